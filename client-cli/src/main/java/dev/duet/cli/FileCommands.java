package dev.duet.cli;

import static dev.duet.cli.DuetCli.outputFile;
import static dev.duet.cli.DuetCli.printable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.cli.DuetCli.ControllerOption;
import dev.duet.cli.DuetCli.JsonOption;
import dev.duet.cli.DuetCli.OwnerKeyOption;
import dev.duet.cli.DuetCli.Verb;
import dev.duet.log.Sha256Hash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * An owner's files on a CVM, written and read by the controller over SFTP as the CVM's policy
 * decides. Each verb checks the controller's answer against the bytes themselves: the size and
 * SHA-256 it says it wrote are those of the file sent, and the content it returns hashes to what it
 * says (and logged).
 */
final class FileCommands {
    private static final Pattern MODE = Pattern.compile("0?[0-7]{3}");

    private FileCommands() {}

    @Command(name = "put", description = {"Write LOCAL to REMOTE (an absolute path) on a CVM, atomically: the controller writes a "
            + "temporary file next to it and renames it into place, so a failed upload leaves REMOTE as it was.",
            "The log records the path, mode, size and SHA-256 (and the content of small files); the CVM's policy decides which paths "
                    + "may be written and how large a file may be. Files change only in in-update."})
    static final class Put extends Verb {
        @Mixin ControllerOption controller;
        @Mixin TransportTrust transportTrust;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        @Option(names = "--mode", defaultValue = "0644", description = "The file's permission bits in octal (default ${DEFAULT-VALUE}).")
        String mode;
        @Parameters(index = "0", paramLabel = "CVM", converter = CvmRef.class, description = CvmRef.WHAT) String cvm;
        @Parameters(index = "1", paramLabel = "LOCAL", description = "The file to upload.") Path local;
        @Parameters(index = "2", paramLabel = "REMOTE", description = "Where to write it on the CVM: an absolute path.") String remote;

        @Override
        public Integer call() throws CliFailure {
            if (!MODE.matcher(mode).matches()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--mode must be octal permission bits from 000 to 777, such as 0644");
            }
            byte[] content = InputFiles.read(local, InputFiles.LARGE, "the file to upload");
            ControllerApi client = controller.client(Optional.of(key.load()));
            JsonNode answer = client.putFile(cvm, remote, mode, content);
            String sha256 = sha256(content);
            if (!answer.path("sha256").asText("").equals(sha256) || answer.path("bytes").asLong(-1) != content.length
                    || !answer.path("path").asText("").equals(remote)) {
                throw new CliFailure(CliFailure.CHECK_FAILED, "the controller's answer does not match the file sent (" + content.length
                        + " bytes, SHA-256 " + sha256 + "): it says " + printable(answer.path("bytes").asText("?")) + " bytes, SHA-256 "
                        + printable(answer.path("sha256").asText("?")) + " at " + printable(answer.path("path").asText("?")));
            }
            if (json.json) {
                printJson(answer);
                return 0;
            }
            out().println(printable(remote + " written on " + cvm + ": " + content.length + " bytes, mode " + answer.path("mode").asText()
                    + ", sha256 " + sha256 + " (log entries " + answer.path("started_index").asLong() + ".."
                    + answer.path("completed_index").asLong() + ")"));
            out().flush();
            return 0;
        }
    }

    @Command(name = "get", description = {"Read REMOTE (an absolute path) back from a CVM, as its policy allows; the read is logged "
            + "with the file's size and SHA-256 before the controller answers.",
            "Writes the file's bytes to --out, or to stdout (the summary then goes to stderr)."})
    static final class Get extends Verb {
        @Mixin ControllerOption controller;
        @Mixin TransportTrust transportTrust;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        @Option(names = "--out", description = "Write the file here instead of to stdout.") Path file;
        @Parameters(index = "0", paramLabel = "CVM", converter = CvmRef.class, description = CvmRef.WHAT) String cvm;
        @Parameters(index = "1", paramLabel = "REMOTE", description = "The file to read on the CVM: an absolute path.") String remote;

        @Override
        public Integer call() throws CliFailure {
            if (file != null) {
                outputFile(file, "--out");
            }
            ControllerApi client = controller.client(Optional.of(key.load()));
            JsonNode answer = client.getFile(cvm, remote);
            byte[] content;
            try {
                content = Base64.getDecoder().decode(answer.path("content").asText(""));
            } catch (IllegalArgumentException e) {
                throw DuetCli.notAnswered(client, "the content of " + remote + " in base64");
            }
            String sha256 = sha256(content);
            if (!answer.path("sha256").asText("").equals(sha256)
                    || answer.path("bytes").asLong(-1) != content.length || !answer.path("path").asText("").equals(remote)) {
                throw new CliFailure(CliFailure.CHECK_FAILED, "the controller's answer does not hold what it says it read (and logged): "
                        + content.length + " bytes with SHA-256 " + sha256 + ", where it says " + printable(answer.path("bytes").asText("?"))
                        + " bytes, SHA-256 " + printable(answer.path("sha256").asText("?")));
            }
            String summary = printable(remote + " read from " + cvm + ": " + content.length + " bytes, sha256 " + sha256 + " (log entry "
                    + answer.path("log_index").asLong() + ")");
            try {
                if (file != null) {
                    Files.write(file, content);
                } else if (!json.json) {
                    stdoutBytes().write(content);
                    stdoutBytes().flush();
                }
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write " + (file == null ? "the file to stdout" : file) + ": "
                        + InputFiles.describe(e));
            }
            if (json.json) {
                ObjectNode out = ((ObjectNode) answer.deepCopy());
                if (file != null) {
                    out.remove("content");
                    out.put("file", file.toString());
                }
                printJson(out);
            } else if (file != null) {
                out().println(summary + " -> " + printable(file.toString()));
                out().flush();
            } else {
                err().println("[duet] " + summary);
                err().flush();
            }
            return 0;
        }
    }

    private static String sha256(byte[] content) {
        return Sha256Hash.of(content).hex();
    }
}
