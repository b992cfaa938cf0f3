package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.ssh.SshKeys;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which provider makes a CVM, and what each one needs from the request, is decided by the core:
 * the request reaches it here as the API hands it over, with no HTTP in between.
 */
class ProviderChoiceTest {
    @TempDir Path dir;
    private Controller controller;
    private OwnerId owner;

    @BeforeEach
    void open() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        owner = new OwnerId(key.publicKey().keyId());
        controller = Controller.open(ControllerConfig.defaults(dir.resolve("data"), List.of(key.publicKey())));
    }

    @AfterEach
    void close() throws Exception {
        controller.close();
    }

    private static CreateRequest.Ssh machine(Optional<Integer> port) {
        return new CreateRequest.Ssh("127.0.0.1", port, "root", "SHA256:" + "A".repeat(43),
                SshKeys.openSshPrivateKey(SshKeys.generateEd25519(), "bootstrap"), Optional.empty());
    }

    private void assertRefused(CreateRequest request, ControllerException.Kind kind, String message) {
        assertThatThrownBy(() -> controller.create(owner, request)).as(request.toString())
                .isInstanceOfSatisfying(ControllerException.class, e -> {
                    assertThat(e.kind()).isEqualTo(kind);
                    assertThat(e.getMessage()).isEqualTo(message);
                });
    }

    @Test
    void aProviderTheControllerDoesNotHaveIsRefusedAndNothingIsRecorded() throws Exception {
        for (String provider : List.of("vmware", "SSH", "", " qemu")) {
            assertRefused(new CreateRequest(provider, "x", Optional.of(machine(Optional.empty()))), ControllerException.Kind.INVALID_REQUEST,
                    "provider must be \"qemu\" (a VM the controller starts), \"azure\" (an Azure confidential VM the controller "
                            + "creates) or \"ssh\" (adopt a machine)");
        }
        assertThat(controller.list()).isEmpty();
        assertThat(controller.logEntries(0, Optional.empty()).path("size").asLong()).isEqualTo(1);
    }

    @Test
    void eachProviderTakesOnlyWhatItNeeds() {
        assertRefused(new CreateRequest("qemu", "x", Optional.of(machine(Optional.empty()))), ControllerException.Kind.INVALID_REQUEST,
                "provider \"qemu\" takes no \"ssh\" object: the controller creates the VM");
        assertRefused(new CreateRequest("azure", "x", Optional.of(machine(Optional.empty()))), ControllerException.Kind.INVALID_REQUEST,
                "provider \"azure\" takes no \"ssh\" object: the controller creates the VM");
        assertRefused(new CreateRequest("azure", "x", Optional.empty(), Optional.of(new CreateRequest.Azure(Optional.of("sev"),
                Optional.empty()))), ControllerException.Kind.INVALID_REQUEST, "azure.tee must be \"snp\" or \"tdx\"");
        assertRefused(new CreateRequest("ssh", "x", Optional.empty()), ControllerException.Kind.INVALID_REQUEST,
                "provider \"ssh\" needs an \"ssh\" object (host, user, host_key, bootstrap_private_key)");
        assertThat(controller.list()).isEmpty();
    }

    @Test
    void qemuOnAControllerWithoutItIsAConflictOnceTheRequestIsWellFormed() {
        assertRefused(new CreateRequest("qemu", "../etc", Optional.empty()), ControllerException.Kind.INVALID_REQUEST,
                "name must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
        assertRefused(new CreateRequest("qemu", "x", Optional.empty()), ControllerException.Kind.CONFLICT,
                "this controller has no QEMU provider (it was started without one, or QEMU cannot run here)");
        assertRefused(new CreateRequest("azure", "x", Optional.empty()), ControllerException.Kind.CONFLICT,
                "this controller has no Azure provider (it was started without an Azure subscription)");
    }

    @Test
    void aMachineWithoutAPortIsAdoptedOnPort22() throws Exception {
        CvmView view = controller.create(owner, new CreateRequest("ssh", "x", Optional.of(machine(Optional.empty()))));
        assertThat(view.provider()).isEqualTo(ProviderKind.SSH);
        assertThat(view.address()).isEqualTo("root@127.0.0.1:22");
    }
}
