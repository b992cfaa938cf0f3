package dev.duet.cli;

/** Ends a command with one readable line and an exit code: 1 for a failed check or a refusal, 2 for bad input or IO. */
class CliFailure extends Exception {
    static final int CHECK_FAILED = 1;
    static final int INPUT_ERROR = 2;

    private final int exitCode;

    CliFailure(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
