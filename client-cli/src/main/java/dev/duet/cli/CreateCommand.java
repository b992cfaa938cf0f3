package dev.duet.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.cli.DuetCli.ControllerOption;
import dev.duet.cli.DuetCli.JsonOption;
import dev.duet.cli.DuetCli.OwnerKeyOption;
import dev.duet.cli.DuetCli.Verb;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code duet create}: the controller starts a new CVM itself, as a QEMU guest or an Azure confidential VM (docs/providers.md). */
@Command(name = "create", description = "Have the controller start a new CVM (a QEMU guest, or an Azure confidential VM); its host key "
        + "is pinned only after its attestation binds it.")
final class CreateCommand extends Verb {
    /** Where the controller starts the CVM. */
    enum Provider {
        qemu,
        azure
    }

    /** The Azure confidential VM's TEE: its VM family (DCasv5 or DCesv5). */
    enum Tee {
        snp,
        tdx
    }

    @Mixin ControllerOption controller;
    @Mixin TransportTrust transportTrust;
    @Mixin OwnerKeyOption key;
    @Mixin JsonOption json;
    @Option(names = "--name", required = true, converter = CvmName.class) String name;
    @Option(names = "--provider", defaultValue = "qemu", description = "qemu (default) or azure (the controller must be configured for "
            + "Azure: docs/operations.md).")
    Provider provider;
    @Option(names = "--tee", description = "azure only: snp (DCasv5, the controller's default) or tdx (DCesv5).")
    Tee tee;
    @Option(names = "--vm-size", description = "azure only: the VM size, e.g. Standard_DC4as_v5 (default: the TEE's smallest).")
    String vmSize;
    @Option(names = "--wait", description = "Wait until the CVM is in-update (or failed).")
    boolean await;
    @Option(names = "--wait-timeout", paramLabel = "SECONDS", defaultValue = "600", description = "With --wait, give up after this "
            + "long (default ${DEFAULT-VALUE}; exit 2, the CVM may still become ready: see 'duet list').")
    int waitTimeout;

    @Override
    public Integer call() throws CliFailure {
        Duration wait = OwnerCommands.Adopt.waitLimit(waitTimeout);
        ObjectNode body = ControllerClient.JSON.createObjectNode().put("provider", provider.name()).put("name", name);
        if (provider == Provider.azure) {
            ObjectNode azure = body.putObject("azure");
            if (tee != null) {
                azure.put("tee", tee.name());
            }
            if (vmSize != null) {
                azure.put("vm_size", vmSize);
            }
        } else if (tee != null || vmSize != null) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--tee and --vm-size are for --provider azure only");
        }
        ControllerApi client = controller.client(Optional.of(key.load()));
        return OwnerCommands.Adopt.submit(this, client, body, await ? Optional.of(wait) : Optional.empty(), json.json);
    }
}
