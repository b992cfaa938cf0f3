package dev.duet.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import dev.duet.log.Sha256Hash;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.CheckpointSuccession;
import dev.duet.log.note.CheckpointSuccession.Verdict;
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
 * from the remembered one; an older or inconsistent one is a rollback or a fork. The outcome is
 * returned, not printed, so that each verb makes it part of its verdict before printing anything.
 */
final class CheckpointMemory {
    /** The name of this check in verdicts. */
    static final String CHECK = "checkpoint memory";

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
     * Checks the offered (already verified) checkpoint against the remembered one, and remembers it
     * if it may follow. A rollback or a fork is returned as such (see {@link #refuses}); the
     * remembered checkpoint is then left as it was.
     */
    Verdict accept(String offeredNote, Checkpoint offered, NoteVerifierKey key, ControllerApi client) throws CliFailure {
        Verdict verdict = CheckpointSuccession.check(remembered(offered.origin(), key), offered, (from, to) -> consistency(client, from, to));
        if (verdict instanceof Verdict.First || verdict instanceof Verdict.Extends) {
            write(fileFor(offered.origin()), offeredNote);
        }
        return verdict;
    }

    /**
     * What the remembered checkpoint says of the one a saved state was signed with, offline: nothing
     * is fetched and nothing remembered is changed. A remembered checkpoint larger than the state's
     * proves the log has grown since the state was signed, so the state may no longer be true: it is
     * stale. The same size with another root is a fork. A larger checkpoint in the state, or none
     * remembered, proves nothing either way without a consistency proof, and is said so.
     */
    Offline offline(Checkpoint signed, NoteVerifierKey key) throws CliFailure {
        Optional<Checkpoint> remembered = remembered(signed.origin(), key);
        if (remembered.isEmpty()) {
            return new Offline(Offline.Standing.UNPROVEN, "no checkpoint of this log remembered in " + directory()
                    + "; offline, whether the log has grown since this state was signed is not known");
        }
        Checkpoint seen = remembered.get();
        if (seen.size() > signed.size()) {
            return new Offline(Offline.Standing.STALE, "stale: the log has grown from " + signed.size() + " to " + seen.size()
                    + " entries since this state was signed; fetch a fresh state");
        }
        if (seen.size() == signed.size()) {
            return seen.root().equals(signed.root())
                    ? new Offline(Offline.Standing.CONFIRMED, "the state was signed with the checkpoint remembered (size " + seen.size() + ")")
                    : new Offline(Offline.Standing.STALE, "FORK: the state was signed with a log of the remembered size " + seen.size()
                            + " but another root");
        }
        return new Offline(Offline.Standing.UNPROVEN, "the state's log (size " + signed.size() + ") is larger than the remembered "
                + "checkpoint (size " + seen.size() + "); offline, that it extends it is not proven (duet log checkpoint proves it online)");
    }

    /** The outcome of {@link #offline}; only {@code STALE} (a grown log, or a fork) fails the verdict. */
    record Offline(Standing standing, String detail) {
        enum Standing { CONFIRMED, UNPROVEN, STALE }

        boolean refuses() {
            return standing == Standing.STALE;
        }

        /** As a check of the verdict: a state it does not prove fresh still passes, and its line says "note" ({@link #prefix}). */
        Check check() {
            return Check.of(!refuses(), CHECK, "", "", detail);
        }

        /** The report line's prefix, as wide as "ok   " and "FAIL ". */
        String prefix() {
            return switch (standing) {
                case CONFIRMED -> "ok   ";
                case UNPROVEN -> "note ";
                case STALE -> "FAIL ";
            };
        }
    }

    /** The checkpoint remembered for this log, verified with its key; a remembered file that does not verify is bad input. */
    private Optional<Checkpoint> remembered(String origin, NoteVerifierKey key) throws CliFailure {
        Path file = fileFor(origin);
        if (!Files.exists(file) && !Files.isSymbolicLink(file)) {
            return Optional.empty();
        }
        String note = InputFiles.readText(file, InputFiles.SMALL, "remembered checkpoint");
        try {
            return Optional.of(Checkpoint.open(note, key, origin));
        } catch (MalformedNoteException | NoteRejectedException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "remembered checkpoint " + file + " does not verify: " + e.getMessage());
        }
    }

    /** Whether the verdict is a rollback or a fork: the offered checkpoint must not be trusted. */
    static boolean refuses(Verdict verdict) {
        return verdict instanceof Verdict.Rollback || verdict instanceof Verdict.Fork;
    }

    /** The verdict as a check of the verb's verdict: it fails for a rollback or a fork. */
    static Check check(Verdict verdict) {
        return Check.of(!refuses(verdict), CHECK, "", "", detail(verdict));
    }

    /** One line for a report. */
    static String detail(Verdict verdict) {
        if (verdict instanceof Verdict.First first) {
            return "first checkpoint seen of this log (size " + first.offered().size() + "), remembered";
        }
        if (verdict instanceof Verdict.Same same) {
            return "the checkpoint remembered (size " + same.offered().size() + ")";
        }
        if (verdict instanceof Verdict.Extends e) {
            return "extends the remembered checkpoint (size " + e.remembered().size() + " to " + e.offered().size() + ", consistency proof verified)";
        }
        if (verdict instanceof Verdict.Rollback r) {
            return "ROLLBACK: the controller now shows a smaller log than it showed before (remembered size " + r.remembered().size()
                    + ", offered " + r.offered().size() + ")";
        }
        Verdict.Fork f = (Verdict.Fork) verdict;
        return "FORK: the controller shows a log that does not extend the one it showed before (" + f.reason() + ")";
    }

    /** The one line on stderr for a rollback or a fork. */
    static String summary(Verdict verdict) {
        if (verdict instanceof Verdict.Rollback r) {
            return "rollback detected (remembered size " + r.remembered().size() + ", offered " + r.offered().size() + ")";
        }
        return verdict instanceof Verdict.Fork f ? "fork detected: " + f.reason() : detail(verdict);
    }

    /** For a rollback or a fork, both checkpoints as text, so that the user can keep them as proof. */
    static void printCheckpoints(Verdict verdict, PrintWriter out) {
        Optional<Checkpoint> remembered = remembered(verdict);
        if (refuses(verdict) && remembered.isPresent()) {
            out.println("remembered checkpoint:");
            remembered.get().text().lines().forEach(l -> out.println("  " + l));
            out.println("offered checkpoint:");
            offered(verdict).text().lines().forEach(l -> out.println("  " + l));
        }
    }

    static ObjectNode json(Verdict verdict) {
        String name = verdict instanceof Verdict.First ? "first" : verdict instanceof Verdict.Same ? "same"
                : verdict instanceof Verdict.Extends ? "extends" : verdict instanceof Verdict.Rollback ? "rollback" : "fork";
        ObjectNode out = ControllerClient.JSON.createObjectNode().put("verdict", name).put("detail", detail(verdict));
        remembered(verdict).ifPresent(c -> out.set("remembered", json(c)));
        out.set("offered", json(offered(verdict)));
        return out;
    }

    static ObjectNode json(Checkpoint checkpoint) {
        return ControllerClient.JSON.createObjectNode().put("origin", checkpoint.origin()).put("size", checkpoint.size())
                .put("root", checkpoint.root().toString()).put("text", checkpoint.text());
    }

    private static Optional<Checkpoint> remembered(Verdict verdict) {
        if (verdict instanceof Verdict.Extends e) {
            return Optional.of(e.remembered());
        }
        if (verdict instanceof Verdict.Rollback r) {
            return Optional.of(r.remembered());
        }
        return verdict instanceof Verdict.Fork f ? Optional.of(f.remembered()) : Optional.empty();
    }

    private static Checkpoint offered(Verdict verdict) {
        if (verdict instanceof Verdict.First first) {
            return first.offered();
        }
        if (verdict instanceof Verdict.Same same) {
            return same.offered();
        }
        if (verdict instanceof Verdict.Extends e) {
            return e.offered();
        }
        return verdict instanceof Verdict.Rollback r ? r.offered() : ((Verdict.Fork) verdict).offered();
    }

    private static List<Sha256Hash> consistency(ControllerApi client, long from, long to) throws CliFailure {
        return ProofJson.read(client.consistencyProof(from, to).path("proof"))
                .orElseThrow(() -> new CliFailure(CliFailure.CHECK_FAILED, "consistency proof is not a list of SHA-256 values"));
    }

    private static void write(Path file, String note) throws CliFailure {
        Path directory = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path tmp = Files.createTempFile(directory, ".checkpoint", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, note);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot remember the checkpoint in " + directory + ": " + InputFiles.describe(e));
        }
    }
}
