package dev.duet.controller;

import dev.duet.protocol.Ed25519KeyPair;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Child JVM for {@link DestroyedKeyForensicsTest}: adopts the given sshd, prints the CVM's key as the
 * attacker will look for it, stops the CVM, prints {@code stopped} and waits to be killed.
 * Arguments: data directory, port, user, host public key, bootstrap key file, authorized keys path.
 */
public final class StopThenWait {
    private StopThenWait() {}

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        OwnerId id = new OwnerId(owner.publicKey().keyId());
        Controller c = Controller.open(ControllerConfig.defaults(data, List.of(owner.publicKey())));
        CvmView view = c.create(id, new CreateRequest("ssh", "t", Optional.of(new CreateRequest.Ssh("127.0.0.1", Optional.of(Integer.parseInt(args[1])),
                args[2], args[3], Files.readString(Path.of(args[4])), Optional.of(args[5])))));
        c.awaitProvisioning(Duration.ofSeconds(60));
        c.runCommand(id, SignedRequests.commandLine(view.id()), view.id(), new CommandRequest(List.of("true"), Optional.of(BigDecimal.valueOf(20))));
        DiskAttacker.Secret secret = DiskAttacker.secretOf(data, view.id());
        HexFormat hex = HexFormat.of();
        System.out.println("secret " + view.id() + " " + hex.formatHex(secret.sealed()) + " " + hex.formatHex(secret.pkcs8()) + " "
                + hex.formatHex(secret.seed()) + " " + hex.formatHex(secret.publicKey()));
        c.stop(id, view.id());
        System.out.println("stopped");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
