package dev.duet.attestation.azure;

import dev.duet.attestation.Check;
import java.util.Locale;
import java.util.Optional;

/**
 * Which Azure VM evidence comes from: the HCL names the VM's unique id ({@code vmUniqueId} in the
 * runtime claims' {@code vm-configuration}), and Resource Manager gives the same id as the VM's
 * {@code properties.vmId}. Genuine evidence from some other confidential VM (anyone's, relaying a
 * quote for its own SSH host key) verifies and binds that key just as well; only this check says the
 * evidence is from the VM the controller created. It means something only once the claims are
 * bound to a verified hardware report ({@link AzureVtpmVerifier}).
 */
public final class AzureVmIdentity {
    public static final String ID = "azure.vm-id";
    private static final String CLAIM = "vmUniqueId";

    private AzureVmIdentity() {}

    /** Passes when the claims name {@code vmId} (a GUID, compared without regard to case). */
    public static Check check(AzureEvidence evidence, String vmId) {
        Optional<String> claimed = evidence.hcl().claims().vmConfiguration().stream()
                .filter(setting -> setting.name().equals(CLAIM)).map(RuntimeClaims.Setting::value).findFirst();
        if (claimed.isEmpty()) {
            return Check.fail(ID, "vmUniqueId " + vmId, "none", "the HCL's runtime claims do not name the VM they come from");
        }
        return claimed.get().toLowerCase(Locale.ROOT).equals(vmId.toLowerCase(Locale.ROOT))
                ? Check.pass(ID, "the evidence comes from the VM Azure created (vmUniqueId " + claimed.get() + ")")
                : Check.fail(ID, "vmUniqueId " + vmId, "vmUniqueId " + claimed.get(), "the evidence comes from another VM than the one "
                        + "Azure created");
    }
}
