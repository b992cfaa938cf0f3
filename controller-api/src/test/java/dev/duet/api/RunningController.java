package dev.duet.api;

import dev.duet.controller.Controller;
import dev.duet.controller.ControllerConfig;
import dev.duet.controller.RequestLimits;
import dev.duet.protocol.Ed25519PublicKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A controller and its HTTP server on a data directory, on a free port; restartable on the same directory. */
final class RunningController implements AutoCloseable {
    final Controller controller;
    final ControllerServer server;

    RunningController(Controller controller, ControllerServer server) {
        this.controller = controller;
        this.server = server;
    }

    static RunningController start(Path dataDir, List<Ed25519PublicKey> owners) throws Exception {
        return start(dataDir, owners, RequestLimits.defaults());
    }

    static RunningController start(Path dataDir, List<Ed25519PublicKey> owners, RequestLimits limits) throws Exception {
        Controller controller = Controller.open(ControllerConfig.defaults(dataDir, owners).withLimits(limits));
        return new RunningController(controller, ControllerServer.start(controller, "127.0.0.1", 0));
    }

    /** With the configuration {@code change} makes of the defaults (e.g. k of n owners). */
    static RunningController start(Path dataDir, List<Ed25519PublicKey> owners, java.util.function.UnaryOperator<ControllerConfig> change)
            throws Exception {
        Controller controller = Controller.open(change.apply(ControllerConfig.defaults(dataDir, owners)));
        return new RunningController(controller, ControllerServer.start(controller, "127.0.0.1", 0));
    }

    static RunningController withQemu(Path dataDir, List<Ed25519PublicKey> owners) throws Exception {
        return withQemu(dataDir, owners, java.util.function.UnaryOperator.identity());
    }

    /** {@code change} may replace parts of the QEMU support, e.g. its evidence source. */
    static RunningController withQemu(Path dataDir, List<Ed25519PublicKey> owners,
            java.util.function.UnaryOperator<dev.duet.controller.QemuSupport> change) throws Exception {
        return withQemu(dataDir, owners, change, dev.duet.controller.SelfAttestation.none());
    }

    /** With the controller's own evidence from {@code attestation}, e.g. the CVMs' simulated chip, so one simulated root vouches for both. */
    static RunningController withQemu(Path dataDir, List<Ed25519PublicKey> owners,
            java.util.function.UnaryOperator<dev.duet.controller.QemuSupport> change, dev.duet.controller.SelfAttestation attestation)
            throws Exception {
        dev.duet.controller.QemuSupport qemu = change.apply(dev.duet.controller.QemuSupport.start(dataDir,
                dev.duet.provisioner.qemu.GuestImage.defaultDirectory(), java.util.Optional.of("tcg")));
        Controller controller = Controller.open(ControllerConfig.defaults(dataDir, owners),
                dir -> dev.duet.controller.sealing.FileSealer.openOrCreate(dir.sealingKey()), java.util.Optional.of(qemu), attestation);
        return new RunningController(controller, ControllerServer.start(controller, "127.0.0.1", 0));
    }

    /** A copy of a (closed) data directory without its lock file: an older copy, for rollbacks and forks. */
    static void copyDataDirectory(Path from, Path to) throws Exception {
        java.nio.file.Files.createDirectories(to);
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(from)) {
            for (Path f : files.filter(p -> !p.getFileName().toString().equals("controller.lock")).toList()) {
                java.nio.file.Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    int port() {
        return server.port();
    }

    /** The controller's key id, which owner requests are signed for. */
    String keyId() {
        return controller.signingKey().keyId();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() throws Exception {
        server.close();
        controller.awaitProvisioning(Duration.ofSeconds(30));
        controller.close();
    }
}
