package dev.duet.controller;

import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.log.LogEntry;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.OpenSshFingerprint;
import dev.duet.protocol.entry.Payload;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A controller data directory holding a CVM with a long history, written by the controller's own
 * code (its bootstrap, registry and log appends) without an SSH round trip per command: a CVM
 * adopted over SSH that ran {@code commands} commands, and optionally went in-service. For tests
 * and benchmarks of reads whose cost could grow with the history; the controller opens it as any
 * other data directory.
 */
public final class HistoryFixture {
    /** The host key the fixture's CVM was adopted with. */
    public static final String HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIwrrfywbQSLLuW0rUZHp6TrJXuFVhuCUpmTpBLKDhb+";
    private static final int BATCH = 200;

    private HistoryFixture() {}

    /** Writes the CVM into {@code dataDir} (initialised for {@code owners} if new) and returns its id. */
    public static String adoptedCvm(Path dataDir, List<Ed25519PublicKey> owners, int commands, boolean inService) throws IOException {
        ControllerConfig config = ControllerConfig.defaults(dataDir, owners);
        Bootstrap.Opened opened = Bootstrap.open(config, d -> FileSealer.openOrCreate(d.sealingKey()));
        try {
            Transitions transitions = new Transitions(opened.store(), config.clock());
            NewCvm fresh = NewCvm.generate(opened.sealer());
            String id = fresh.id();
            String pin = OpenSshFingerprint.of(HOST_KEY).orElseThrow();
            String owner = "owner:" + owners.get(0).keyId();
            opened.store().write(tx -> {
                LogEntry entry = transitions.append(tx, id, owner, new Payload.SshAdoptionStarted("web", "root@127.0.0.1:22", pin,
                        ".ssh/authorized_keys", fresh.keyLine()));
                CvmRegistry.insert(tx.handle(), new CvmRegistry.NewRow(id, "web", ProviderKind.SSH, "127.0.0.1", 22, "root", pin,
                        ".ssh/authorized_keys", fresh.sshKey().getPublic().getEncoded(), fresh.keyLine(), fresh.sealed(), entry.seq()));
                return null;
            });
            opened.store().write(tx -> {
                transitions.append(tx, id, "controller", new Payload.Adopted(HOST_KEY, pin, List.of("host key matches the pin"), Optional.empty()));
                CvmRegistry.adopted(tx.handle(), id, HOST_KEY, pin, CvmMode.IN_UPDATE);
                return null;
            });
            Payload.Output empty = new Payload.Output("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0, false);
            for (int done = 0; done < commands; done += BATCH) {
                int from = done;
                opened.store().write(tx -> {
                    for (int i = from; i < Math.min(commands, from + BATCH); i++) {
                        String command = "c" + i;
                        transitions.append(tx, id, owner, new Payload.CommandStarted(command, List.of("apt-get", "install", "pkg" + i),
                                Duration.ofSeconds(30)));
                        transitions.append(tx, id, "controller", new Payload.CommandCompleted(command, OptionalInt.of(0), Optional.empty(),
                                false, empty, empty));
                    }
                    return null;
                });
            }
            if (inService) {
                opened.store().write(tx -> {
                    transitions.append(tx, id, owner, new Payload.ModeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE));
                    CvmRegistry.setMode(tx.handle(), id, CvmMode.IN_SERVICE, Optional.empty());
                    return null;
                });
            }
            return id;
        } finally {
            opened.store().close();
            opened.directory().close();
        }
    }
}
