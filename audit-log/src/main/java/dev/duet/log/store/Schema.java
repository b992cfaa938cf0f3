package dev.duet.log.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * A database's schema as numbered steps: step {@code n} takes a file from version {@code n - 1} to
 * {@code n} (SQLite's {@code user_version}, 0 in a file no step has touched). Each step runs in one
 * transaction with the version it sets, so a file is always at one version or the next, never
 * between. A file newer than the code is refused before anything is read from it: code that does
 * not know a table's meaning must not write to it.
 */
public record Schema(List<Step> steps) {
    public Schema {
        steps = List.copyOf(steps);
    }

    /** One step's SQL, read from class-path resources (statements end with {@code ;}, lines starting {@code --} are comments). */
    public record Step(List<String> statements) {
        public Step {
            statements = List.copyOf(statements);
        }

        public static Step of(String... resources) {
            List<String> statements = new ArrayList<>();
            for (String resource : resources) {
                statements.addAll(parse(read(resource)));
            }
            return new Step(statements);
        }

        private static String read(String resource) {
            try (InputStream in = Schema.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("schema script " + resource + " is missing from the build");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("schema script " + resource + " cannot be read: " + e.getMessage());
            }
        }

        static List<String> parse(String script) {
            StringBuilder code = new StringBuilder();
            script.lines().filter(line -> !line.strip().startsWith("--")).forEach(line -> code.append(line).append('\n'));
            return Arrays.stream(code.toString().split(";")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }
    }

    /** The version a file has once every step ran. */
    public int version() {
        return steps.size();
    }

    /** The schema with one more step. */
    public Schema then(Step step) {
        List<Step> more = new ArrayList<>(steps);
        more.add(step);
        return new Schema(more);
    }

    /** The file's version (0 for a new file or one made before schema versions). */
    public static int versionOf(Handle h) {
        return h.createQuery("PRAGMA user_version").mapTo(Integer.class).one();
    }

    /**
     * Brings {@code file} to this schema's version, one transaction per step.
     *
     * @throws NewerSchemaException if the file's version is newer than this schema's
     */
    void migrate(Jdbi jdbi, Path file) {
        int from = jdbi.withHandle(Schema::versionOf);
        if (from > version()) {
            throw new NewerSchemaException("the database " + file + " has schema version " + from + ", newer than this release knows ("
                    + version() + "): run the release that wrote it, or restore a backup made for this one (docs/operations.md)");
        }
        for (int next = from + 1; next <= version(); next++) {
            Step step = steps.get(next - 1);
            int target = next;
            jdbi.useTransaction(h -> {
                // Another process may have migrated meanwhile; the lock of the data directory normally rules that out.
                if (versionOf(h) != target - 1) {
                    throw new IllegalStateException("the database " + file + " changed version while it was being migrated");
                }
                step.statements().forEach(h::execute);
                h.execute("PRAGMA user_version = " + target);
            });
        }
    }

    /** A database file newer than the code that opened it. */
    public static final class NewerSchemaException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        NewerSchemaException(String message) {
            super(message);
        }
    }
}
