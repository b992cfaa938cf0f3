package dev.duet.attestation.azure;

import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.policy.AppraisalPolicy;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.Set;

/**
 * The nonce a controller asks an Azure guest's vTPM to quote with, binding the guest's SSH host
 * key: SHA-256(host public key blob ‖ fresh nonce). The vTPM quote's qualifying data is a TPM2B_DATA,
 * at most the size of the TPM's largest digest, so SHA-256's 32 bytes fit every TPM (the 64 bytes of
 * {@code SshHostKeyBinding}'s SHA-512 might not). The controller passes the result to
 * {@link AzureVtpmVerifier#verify} as the expected nonce; a quote from another guest, or for another
 * key, or an old one, then fails {@code vtpm.nonce}. The controller and a user re-checking its log
 * appraise the same way (under {@link #policy()}).
 */
public final class VtpmHostKeyBinding {
    /** The {@code evidence_source} of a logged {@code cvm.attestation} whose evidence is Azure's evidence JSON. */
    public static final String EVIDENCE_SOURCE = "azure-vtpm";

    /** Whether evidence logged with {@code evidenceSource} is Azure's evidence JSON. */
    public static boolean isVtpm(String evidenceSource) {
        return EVIDENCE_SOURCE.equals(evidenceSource);
    }

    private VtpmHostKeyBinding() {}

    public static Octets nonce(byte[] hostKeyBlob, byte[] freshNonce) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(hostKeyBlob);
            sha256.update(freshNonce);
            return Octets.copyOf(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The appraisal of an Azure CVM's launch evidence: SEV-SNP or TDX, not debug, TCB as the strict
     * policy has it (for TDX that needs Intel's collateral, which the controller logs inside the
     * evidence); an SNP report made at VMPL 0 (the HCL). MEASUREMENT and MRTD are NOT pinned: on Azure
     * they measure Microsoft's paravisor, not duet's guest, and duet holds no reference value for
     * them. The vTPM's PCRs (the guest's boot chain, as the HCL reports it) are quoted and logged but
     * not appraised either. What is bound is the host key, through the quote's nonce, by the
     * attestation key the hardware-signed claims name.
     */
    public static AppraisalPolicy policy() {
        AppraisalPolicy strict = AppraisalPolicy.strict();
        return new AppraisalPolicy(Set.of(TeeKind.SEV_SNP, TeeKind.TDX), false, Optional.empty(), strict.snp(), strict.tdx(),
                strict.sgx(), strict.tcb());
    }
}
