package dev.duet.cli;

import dev.duet.log.Sha256Hash;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.CheckpointSuccession;
import dev.duet.log.note.MalformedNoteException;
import dev.duet.log.note.NoteRejectedException;
import dev.duet.log.note.NoteVerifierKey;
import dev.duet.protocol.ProofJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The latest checkpoint this user has verified for each controller log, one small file per log
 * under {@code $DUET_STATE_DIR}, else {@code $XDG_CONFIG_HOME/duet/checkpoints}, else
 * {@code ~/.config/duet/checkpoints}. A newer checkpoint is accepted only with a consistency proof
 * from the remembered one; an older or inconsistent one is a rollback or a fork.
 */
final class CheckpointMemory {
    @Option(names = "--state-dir", description = "Where verified checkpoints are remembered (default: ~/.config/duet/checkpoints).")
    Path stateDir;

    Path directory() {
        if (stateDir != null) {
            return stateDir;
        }
        String env = System.getenv("DUET_STATE_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path config = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return config.resolve("duet").resolve("checkpoints");
    }

    private Path fileFor(String origin) {
        return directory().resolve(origin.replaceAll("[^A-Za-z0-9._-]", "_") + ".checkpoint");
    }

    /**
     * Checks the offered (already verified) checkpoint against the remembered one and remembers it
     * if it may follow. On a rollback or fork it prints both checkpoints and fails with exit code 1.
     */
    Checkpoint accept(String offeredNote, Checkpoint offered, NoteVerifierKey key, ControllerClient client, PrintWriter out) throws CliFailure {
        Path file = fileFor(offered.origin());
        Optional<Checkpoint> remembered = Optional.empty();
        if (Files.exists(file)) {
            try {
                remembered = Optional.of(Checkpoint.open(Files.readString(file), key, offered.origin()));
            } catch (IOException | MalformedNoteException | NoteRejectedException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "remembered checkpoint " + file + " does not verify: " + e.getMessage());
            }
        }
        CheckpointSuccession.Verdict verdict = CheckpointSuccession.check(remembered, offered, (from, to) -> consistency(client, from, to));
        if (verdict instanceof CheckpointSuccession.Verdict.Rollback r) {
            report(out, "ROLLBACK: the controller now shows a smaller log than it showed before", r.remembered(), r.offered());
            throw new CliFailure(CliFailure.CHECK_FAILED, "rollback detected (remembered size " + r.remembered().size() + ", offered " + r.offered().size() + ")");
        }
        if (verdict instanceof CheckpointSuccession.Verdict.Fork f) {
            report(out, "FORK: the controller shows a log that does not extend the one it showed before (" + f.reason() + ")", f.remembered(), f.offered());
            throw new CliFailure(CliFailure.CHECK_FAILED, "fork detected: " + f.reason());
        }
        if (verdict instanceof CheckpointSuccession.Verdict.First || verdict instanceof CheckpointSuccession.Verdict.Extends) {
            write(file, offeredNote);
        }
        return offered;
    }

    private static List<Sha256Hash> consistency(ControllerClient client, long from, long to) throws CliFailure {
        return ProofJson.read(client.get("/v1/log/proof/consistency?from=" + from + "&to=" + to).path("proof"))
                .orElseThrow(() -> new CliFailure(CliFailure.CHECK_FAILED, "consistency proof is not a list of SHA-256 values"));
    }

    private static void report(PrintWriter out, String headline, Checkpoint remembered, Checkpoint offered) {
        out.println(headline);
        out.println("remembered checkpoint:");
        remembered.text().lines().forEach(l -> out.println("  " + l));
        out.println("offered checkpoint:");
        offered.text().lines().forEach(l -> out.println("  " + l));
        out.flush();
    }

    private static void write(Path file, String note) throws CliFailure {
        try {
            Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path tmp = Files.createTempFile(file.getParent(), ".checkpoint", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, note);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot remember the checkpoint in " + file.getParent() + ": " + e.getMessage());
        }
    }
}
