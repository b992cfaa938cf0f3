package dev.duet.protocol.shield;

import java.util.List;
import java.util.Objects;

/** What an owner asks the controller to do on a CVM, as a policy judges it. */
public sealed interface Action {
    /** Run a command, as its argv. */
    record Exec(List<String> argv) implements Action {
        public Exec {
            argv = List.copyOf(argv);
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("an argv names at least the program");
            }
        }
    }

    /** Write a file of {@code bytes} bytes at {@code path}. */
    record Write(RemotePath path, long bytes) implements Action {
        public Write {
            Objects.requireNonNull(path, "path");
        }
    }

    /** Read the file at {@code path} back. */
    record Read(RemotePath path) implements Action {
        public Read {
            Objects.requireNonNull(path, "path");
        }
    }
}
