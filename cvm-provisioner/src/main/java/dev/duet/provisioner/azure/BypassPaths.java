package dev.duet.provisioner.azure;

import com.azure.resourcemanager.compute.fluent.models.VirtualMachineExtensionInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineRunCommandInner;
import com.azure.resourcemanager.compute.models.SecurityTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ways into an Azure VM that go around the controller, as ARM shows them: each one found is
 * named, and any one is reason to refuse the VM. Whoever holds Azure rights over the VM can use
 * these without the controller's key and without a log entry, so a VM that has one is not in the
 * controller's sole custody.
 *
 * <p>Every VM extension is refused, not only those known to run code or reset access: an extension
 * is a package the Azure guest agent runs as root, so an unknown one is treated as code (default
 * deny). The known ones get their reason.
 */
public final class BypassPaths {
    private static final Map<String, String> KNOWN = Map.of(
            "customscript", "runs scripts as root",
            "customscriptforlinux", "runs scripts as root",
            "vmaccessforlinux", "resets SSH keys and passwords",
            "runcommandlinux", "is Run Command: runs scripts as root",
            "runcommandhandlerlinux", "is managed Run Command: runs scripts as root",
            "aadsshloginforlinux", "admits Entra ID users over SSH",
            "dscforlinux", "applies configuration as root");

    private BypassPaths() {}

    /** The bypass paths of {@code vm} with its {@code extensions} and managed {@code runCommands}; empty if there are none. */
    public static List<String> of(VirtualMachineInner vm, List<VirtualMachineExtensionInner> extensions,
            List<VirtualMachineRunCommandInner> runCommands) {
        List<String> found = new ArrayList<>();
        var os = Optional.ofNullable(vm.osProfile());
        if (!os.map(p -> p.linuxConfiguration()).map(l -> Boolean.TRUE.equals(l.disablePasswordAuthentication())).orElse(false)) {
            found.add("password authentication: osProfile.linuxConfiguration.disablePasswordAuthentication is not true");
        }
        if (!os.map(p -> Boolean.FALSE.equals(p.allowExtensionOperations())).orElse(false)) {
            found.add("extension operations: osProfile.allowExtensionOperations is not false, so Azure may add code-running "
                    + "extensions (Run Command, CustomScript, VMAccess) at any time");
        }
        if (vm.diagnosticsProfile() != null && vm.diagnosticsProfile().bootDiagnostics() != null
                && Boolean.TRUE.equals(vm.diagnosticsProfile().bootDiagnostics().enabled())) {
            found.add("serial console: boot diagnostics are enabled (diagnosticsProfile.bootDiagnostics.enabled), which the serial "
                    + "console needs");
        }
        if (vm.securityProfile() == null || !SecurityTypes.CONFIDENTIAL_VM.equals(vm.securityProfile().securityType())) {
            found.add("not confidential: securityProfile.securityType is not ConfidentialVM, so the host can read the VM's memory");
        }
        for (VirtualMachineRunCommandInner command : runCommands) {
            found.add("run command: managed Run Command resource " + command.name() + " (runs scripts as root)");
        }
        for (VirtualMachineExtensionInner extension : extensions) {
            String type = extension.typePropertiesType() == null ? "" : extension.typePropertiesType();
            String why = KNOWN.getOrDefault(type.toLowerCase(java.util.Locale.ROOT), "is not known, and an extension is code the agent "
                    + "runs as root (default deny)");
            found.add("extension: " + extension.name() + " (" + extension.publisher() + "." + type + ") " + why);
        }
        return found;
    }
}
