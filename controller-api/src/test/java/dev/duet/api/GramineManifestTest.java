package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The Gramine manifest template stays true to the controller (it cannot run here: no SGX): the
 * arguments it fixes are ones {@code duet-controller} accepts, with gramine-sgx attestation, and it
 * asks for DCAP quotes, a non-debug enclave and no unmeasured files.
 */
class GramineManifestTest {
    private static final Path TEMPLATE = Path.of("../deploy/gramine/duet-controller.manifest.template");

    @Test
    void theFixedArgumentsAreAServeCommandLineTheControllerAccepts() throws Exception {
        String manifest = Files.readString(TEMPLATE);
        Matcher block = Pattern.compile("(?s)\nloader\\.argv = \\[(.*?)\n]").matcher(manifest);
        assertThat(block.find()).isTrue();
        List<String> argv = new ArrayList<>();
        Matcher quoted = Pattern.compile("\"([^\"]*)\"").matcher(block.group(1));
        while (quoted.find()) {
            argv.add(quoted.group(1));
        }
        List<String> controller = argv.subList(argv.indexOf("/duet/controller.jar") + 1, argv.size());
        CommandLine.ParseResult parsed = new CommandLine(new ControllerMain()).parseArgs(controller.toArray(String[]::new));
        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("serve");
        assertThat(parsed.subcommand().matchedOptionValue("--attestation", "")).isEqualTo("gramine-sgx");
        assertThat(manifest).contains("\nsgx.remote_attestation = \"dcap\"\n").contains("\nsgx.debug = false\n")
                .contains("\nsgx.allowed_files = []\n").contains("\"file:{{ controller_jar }}\",\n")
                .contains("path = \"/duet/controller.jar\"").contains("path = \"/data\"").contains("type = \"encrypted\"");
    }
}
