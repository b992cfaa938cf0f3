package dev.duet.provisioner.ssh;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Takes over a machine reachable over SSH (DESIGN §7, provider {@code ssh}) without destroying what
 * it finds there. With the owner's bootstrap key it first ADDS the controller's key to the authorized
 * keys file the owner named, keeping an exact copy of the file beside it (or noting that it was
 * absent); a login with the controller's key then proves that sshd reads that file. Only then is the
 * file replaced by the controller's key alone, and the takeover proven from outside: a fresh session
 * under the controller's key sees exactly that key, and the bootstrap key is refused.
 *
 * <p>Every write goes to a temporary file renamed over the target, so the file is never half
 * written. Any failure after the first change puts the file back exactly as it was (bytes and mode;
 * absent, with the directories adoption created removed, if it was absent) over whichever session
 * still works, checks the result against what was read before, and says in the {@link
 * AdoptionFailure} whether that restore succeeded; if it did not, the message names the backup.
 * Any deviation is an {@link AdoptionFailure}, never a partial success.
 */
public final class SshAdoption {
    /** Resolves a relative path against $HOME, as sshd's AuthorizedKeysFile does; names the backup and the temporary file. */
    private static final String RESOLVE = "f=$1; case \"$f\" in /*) ;; *) f=\"$HOME/$f\" ;; esac; "
            + "b=\"$f.duet-backup-$2\"; t=\"$f.duet-new-$2\"; ";
    /** "present", mode, path, then the file's bytes; or "absent", path, and the deepest directory above it that exists. */
    private static final String STATE = "if [ -e \"$f\" ]; then printf 'present\\n%s\\n%s\\n' \"$(stat -c %a \"$f\")\" \"$f\"; cat \"$f\"; "
            + "else d=$(dirname \"$f\"); while [ ! -d \"$d\" ]; do d=$(dirname \"$d\"); done; printf 'absent\\n%s\\n%s\\n' \"$f\" \"$d\"; fi";
    private static final String INSPECT = "set -eu; " + RESOLVE
            + "if [ -L \"$f\" ]; then echo \"$f is a symbolic link: adoption replaces only a regular file or a missing one\" >&2; exit 3; fi; "
            + "if [ -e \"$f\" ] && [ ! -f \"$f\" ]; then echo \"$f is not a regular file\" >&2; exit 3; fi; "
            + STATE;
    /** Adds the key, keeping the file's mode and owner; $3 is the key line, $4 what INSPECT found. */
    private static final String ADD = "set -eu; " + RESOLVE + "umask 077; rm -f \"$t\"; "
            + "if [ \"$4\" = present ]; then cp -p \"$f\" \"$b\"; cmp -s \"$f\" \"$b\"; m=$(stat -c %a \"$f\"); cp -p \"$f\" \"$t\"; chmod u+w \"$t\"; "
            + "if [ -s \"$t\" ] && [ -n \"$(tail -c 1 \"$t\")\" ]; then echo >> \"$t\"; fi; "
            + "printf '%s\\n' \"$3\" >> \"$t\"; chmod \"$m\" \"$t\"; "
            + "else mkdir -p \"$(dirname \"$f\")\"; printf '%s\\n' \"$3\" > \"$t\"; fi; "
            + "mv -f \"$t\" \"$f\"; cat \"$f\"";
    /** Replaces the content by the key alone; $3 is the key line, $4 the mode to keep. */
    private static final String REPLACE = "set -eu; " + RESOLVE + "umask 077; rm -f \"$t\"; cp -p \"$f\" \"$t\"; chmod u+w \"$t\"; "
            + "printf '%s\\n' \"$3\" > \"$t\"; chmod \"$4\" \"$t\"; mv -f \"$t\" \"$f\"; cat \"$f\"";
    private static final String SHOW = "set -eu; " + RESOLVE + "cat \"$f\"";
    private static final String DROP_BACKUP = "set -eu; " + RESOLVE + "rm -f \"$b\"";
    /** Puts back what INSPECT found ($3 present or absent, $4 the deepest directory that existed), then prints the state. */
    private static final String RESTORE = "set -eu; " + RESOLVE + "rm -f \"$t\"; "
            + "if [ \"$3\" = present ]; then if [ -e \"$b\" ]; then cp -p \"$b\" \"$t\"; mv -f \"$t\" \"$f\"; fi; "
            + "else rm -f \"$f\"; d=$(dirname \"$f\"); while [ \"$d\" != \"$4\" ] && rmdir \"$d\" 2>/dev/null; do d=$(dirname \"$d\"); done; fi; "
            + STATE;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);
    /** A larger authorized keys file is refused before anything changes: its bytes could not be compared after a restore. */
    private static final int MAX_FILE_BYTES = 1 << 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SshConnector connector;

    public SshAdoption(SshConnector connector) {
        this.connector = connector;
    }

    /** What was established, for the log. */
    public record Report(String hostKey, String hostKeyFingerprint, String authorizedKeysPath, List<String> checks) {}

    /** The result: the report and a live session under the controller's key, for reuse. */
    public record Adopted(Report report, SshConnection connection) {}

    public Adopted adopt(SshEndpoint endpoint, HostKeyPin pin, KeyPair bootstrap, KeyPair controllerKey, String authorizedKeysPath, String keyComment)
            throws SshFailure, AdoptionFailure {
        if (authorizedKeysPath.isEmpty() || authorizedKeysPath.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new AdoptionFailure("the authorized keys path must be non-empty and without control characters");
        }
        String keyLine = SshKeys.authorizedKeyLine(controllerKey.getPublic(), keyComment);
        byte[] tagBytes = new byte[8];
        RANDOM.nextBytes(tagBytes);
        Step step = new Step(authorizedKeysPath, HexFormat.of().formatHex(tagBytes));
        try (SshConnection owner = connector.connect(endpoint, pin, bootstrap)) {
            PublicKey hostKey = owner.hostKey();
            HostKeyPin sameHost = HostKeyPin.of(hostKey);
            CommandOutcome inspected = step.run(owner, INSPECT);
            if (failed(inspected)) {
                throw new AdoptionFailure("the authorized keys file cannot be adopted: " + stderr(inspected) + "; nothing was changed");
            }
            KeysFile original = KeysFile.parse(inspected);
            List<SshConnection> controllerSessions = new ArrayList<>();
            try {
                byte[] added = original.withKeyAdded(keyLine);
                expectContent(step.run(owner, ADD, keyLine, original.present() ? "present" : "absent"), added, "after adding the controller key");
                SshConnection first;
                try {
                    first = connector.connect(endpoint, sameHost, controllerKey);
                } catch (SshFailure refused) {
                    if (refused.kind() != SshFailure.Kind.AUTHENTICATION_FAILED) {
                        throw refused;
                    }
                    throw new AdoptionFailure("the controller key was added to " + original.path() + " but does not log in: sshd does not "
                            + "read that file (check AuthorizedKeysFile in sshd_config on " + endpoint + ")");
                }
                controllerSessions.add(first);
                byte[] alone = (keyLine + "\n").getBytes(StandardCharsets.UTF_8);
                expectContent(step.run(first, REPLACE, keyLine, original.present() ? original.mode() : "600"), alone,
                        "after replacing it by the controller key");
                SshConnection fresh = connector.connect(endpoint, sameHost, controllerKey);
                controllerSessions.add(fresh);
                expectContent(step.run(fresh, SHOW), alone, "on a fresh session under the controller key");
                expectRefused(endpoint, pin, bootstrap);
                expectSucceeded(step.run(fresh, DROP_BACKUP), "removing the backup once the takeover was proven");
                controllerSessions.remove(fresh);
                Report report = new Report(SshKeys.openSshPublicKey(hostKey), SshKeys.fingerprint(hostKey), authorizedKeysPath, List.of(
                        "host key matched the pin " + pin.fingerprint(),
                        "controller key logged in once added to " + original.path() + ", so sshd reads that file",
                        original.describeFormer(),
                        "authorized keys file holds only the controller key",
                        "controller key logs in",
                        "bootstrap key is refused"));
                return new Adopted(report, fresh);
            } catch (SshFailure | AdoptionFailure | RuntimeException e) {
                List<Way> ways = new ArrayList<>();
                ways.add(new Way(() -> owner, true));
                controllerSessions.forEach(s -> ways.add(new Way(() -> s, true)));
                ways.add(new Way(() -> connector.connect(endpoint, pin, bootstrap), false));
                ways.add(new Way(() -> connector.connect(endpoint, sameHost, controllerKey), false));
                throw new AdoptionFailure(reason(e) + "; " + restore(step, original, ways));
            } finally {
                controllerSessions.forEach(SshConnection::close);
            }
        }
    }

    /**
     * Puts the file back over the first session that works (the owner's, still open, comes first: a
     * session stays authenticated whatever the file now says), and checks the result byte for byte.
     */
    private static String restore(Step step, KeysFile original, List<Way> ways) {
        List<String> problems = new ArrayList<>();
        for (Way way : ways) {
            SshConnection session = null;
            try {
                session = way.opener().open();
                if (!session.isOpen()) {
                    continue;
                }
                CommandOutcome restored = step.run(session, RESTORE, original.present() ? "present" : "absent", original.top());
                if (failed(restored)) {
                    problems.add(stderr(restored));
                    continue;
                }
                if (!original.sameAs(restored)) {
                    problems.add("the file still differs from what was there before");
                    continue;
                }
                if (!original.present()) {
                    return original.path() + " did not exist before adoption and was removed again";
                }
                String restoredNote = original.path() + " was restored as it was (" + original.content().length + " bytes, mode " + original.mode() + ")";
                return failed(step.run(session, DROP_BACKUP)) ? restoredNote + "; its backup " + step.backupOf(original) + " could not be removed"
                        : restoredNote;
            } catch (SshFailure | RuntimeException e) {
                problems.add(reason(e));
            } finally {
                if (session != null && !way.borrowed()) {
                    session.close();
                }
            }
        }
        return "RESTORING " + original.path() + " FAILED (" + String.join("; ", problems) + "): it may still hold the controller key; "
                + (original.present() ? "the original is in " + step.backupOf(original)
                        : "it did not exist before adoption: delete it and any directory adoption created above it");
    }

    private void expectRefused(SshEndpoint endpoint, HostKeyPin pin, KeyPair bootstrap) throws SshFailure, AdoptionFailure {
        try (SshConnection stillOpen = connector.connect(endpoint, pin, bootstrap)) {
            throw new AdoptionFailure("the bootstrap key still logs in after the takeover: another way in remains "
                    + "(check AuthorizedKeysFile and other authorized keys files on " + endpoint + ")");
        } catch (SshFailure expected) {
            if (expected.kind() != SshFailure.Kind.AUTHENTICATION_FAILED) {
                throw expected;
            }
        }
    }

    private static void expectContent(CommandOutcome outcome, byte[] expected, String when) throws AdoptionFailure {
        expectSucceeded(outcome, when);
        if (outcome.stdout().truncated() || !Arrays.equals(outcome.stdout().bytes(), expected)) {
            throw new AdoptionFailure("the authorized keys file does not hold what was written " + when);
        }
    }

    private static void expectSucceeded(CommandOutcome outcome, String when) throws AdoptionFailure {
        if (failed(outcome)) {
            throw new AdoptionFailure("authorized keys step failed " + when + ": " + stderr(outcome));
        }
    }

    private static boolean failed(CommandOutcome outcome) {
        return outcome.timedOut() || outcome.exitStatus().orElse(-1) != 0;
    }

    private static String stderr(CommandOutcome outcome) {
        String said = new String(outcome.stderr().bytes(), StandardCharsets.UTF_8).strip();
        return outcome.timedOut() ? "timed out" : said.isEmpty() ? "exit status " + outcome.exitStatus().orElse(-1) : said;
    }

    private static String reason(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Runs the adoption's shell steps with the path and this adoption's tag for its backup and temporary file. */
    private record Step(String path, String tag) {
        CommandOutcome run(SshConnection session, String script, String... more) throws SshFailure {
            List<String> argv = new ArrayList<>(List.of("sh", "-c", script, "duet-adopt", path, tag));
            argv.addAll(List.of(more));
            return session.run(new RemoteCommand(argv, STEP_TIMEOUT, MAX_FILE_BYTES + 8192));
        }

        String backupOf(KeysFile original) {
            return original.path() + ".duet-backup-" + tag;
        }
    }

    /** A session to restore over: one of adoption's own ({@code borrowed}, left open) or a fresh one. */
    private record Way(Opener opener, boolean borrowed) {}

    @FunctionalInterface
    private interface Opener {
        SshConnection open() throws SshFailure;
    }

    /** The authorized keys file as INSPECT found it, kept byte for byte to check a restore against. */
    private static final class KeysFile {
        private final byte[] state;
        private final boolean present;
        private final String mode;
        private final String path;
        private final String top;
        private final byte[] content;

        private KeysFile(byte[] state, boolean present, String mode, String path, String top, byte[] content) {
            this.state = state;
            this.present = present;
            this.mode = mode;
            this.path = path;
            this.top = top;
            this.content = content;
        }

        static KeysFile parse(CommandOutcome outcome) throws AdoptionFailure {
            if (outcome.stdout().truncated()) {
                throw new AdoptionFailure("the authorized keys file is larger than 1 MiB; nothing was changed");
            }
            byte[] state = outcome.stdout().bytes();
            int[] ends = new int[3];
            int at = 0;
            for (int line = 0; line < 3; line++) {
                while (at < state.length && state[at] != '\n') {
                    at++;
                }
                if (at == state.length) {
                    throw new AdoptionFailure("the machine described its authorized keys file in an unexpected form; nothing was changed");
                }
                ends[line] = at++;
            }
            String first = new String(state, 0, ends[0], StandardCharsets.UTF_8);
            String second = new String(state, ends[0] + 1, ends[1] - ends[0] - 1, StandardCharsets.UTF_8);
            String third = new String(state, ends[1] + 1, ends[2] - ends[1] - 1, StandardCharsets.UTF_8);
            byte[] rest = Arrays.copyOfRange(state, ends[2] + 1, state.length);
            if (first.equals("present") && second.matches("[0-7]{3,4}")) {
                return new KeysFile(state, true, second, third, "", rest);
            }
            if (first.equals("absent") && rest.length == 0) {
                return new KeysFile(state, false, "", second, third, rest);
            }
            throw new AdoptionFailure("the machine described its authorized keys file in an unexpected form; nothing was changed");
        }

        boolean present() {
            return present;
        }

        String mode() {
            return mode;
        }

        /** The path as the machine resolved it. */
        String path() {
            return path;
        }

        String top() {
            return top;
        }

        byte[] content() {
            return content.clone();
        }

        /** What a restore must print: the same presence, mode, path and bytes (or the same deepest directory). */
        boolean sameAs(CommandOutcome restored) {
            return !restored.stdout().truncated() && Arrays.equals(state, restored.stdout().bytes());
        }

        /** The file with the key appended, after a newline if its last line lacked one: what ADD must leave. */
        byte[] withKeyAdded(String keyLine) {
            byte[] key = (keyLine + "\n").getBytes(StandardCharsets.UTF_8);
            boolean newline = content.length > 0 && content[content.length - 1] != '\n';
            byte[] added = Arrays.copyOf(content, content.length + (newline ? 1 : 0) + key.length);
            if (newline) {
                added[content.length] = '\n';
            }
            System.arraycopy(key, 0, added, content.length + (newline ? 1 : 0), key.length);
            return added;
        }

        String describeFormer() {
            if (!present) {
                return "authorized keys file did not exist before";
            }
            try {
                return "former authorized keys file (" + content.length + " bytes, SHA-256 "
                        + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)) + ") was kept until the takeover was proven";
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every Java platform", e);
            }
        }
    }
}
