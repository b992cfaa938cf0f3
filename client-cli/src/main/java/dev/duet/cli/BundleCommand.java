package dev.duet.cli;

import static dev.duet.cli.DuetCli.notAnswered;
import static dev.duet.cli.DuetCli.outputFile;
import static dev.duet.cli.DuetCli.printable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.cli.DuetCli.ControllerOption;
import dev.duet.cli.DuetCli.JsonOption;
import dev.duet.cli.DuetCli.Verb;
import dev.duet.protocol.CvmState;
import dev.duet.protocol.Nonce;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bundle", description = "Fetch a CVM's evidence bundle (duet.bundle/v1: the controller's evidence and key, the "
        + "CVM's signed summary and history, entry 0, the checkpoint and proofs) and save it to verify offline with 'duet verify'. "
        + "Nothing in the bundle is verified here; over https:// the controller's TLS key is pinned as its evidence and the trust "
        + "options allow. Exit 0 saved, 1 TLS key not attested, 2 usage or unreachable.")
final class BundleCommand extends Verb {
    @Mixin ControllerOption controller;
    @Mixin TransportTrust trust;
    @Mixin JsonOption json;
    @Parameters(index = "0", paramLabel = "CVM", converter = CvmRef.class, description = CvmRef.WHAT) String cvm;
    @Option(names = "--nonce", description = "Ask for the bundle signed for this nonce (1-128 letters, digits, '-' or '_'), to "
            + "verify with the same nonce.") String nonce;
    @Option(names = "--since", description = "Only the history since this log size, a checkpoint you already trust, with the "
            + "consistency proof from it.") Long since;
    @Option(names = "--out", required = true, description = "Write the bundle to this file.") Path file;

    @Override
    public Integer call() throws CliFailure {
        outputFile(file, "--out");
        if (nonce != null && !Nonce.valid(nonce)) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--nonce must be " + Nonce.RULE);
        }
        if (since != null && since < 1) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--since must be a log size of at least 1");
        }
        ControllerApi client = controller.client(Optional.empty());
        JsonNode bundle = client.bundle(cvm, Optional.ofNullable(nonce), since == null ? OptionalLong.empty() : OptionalLong.of(since));
        JsonNode payload = bundle.path("payload");
        if (!bundle.path("signature").isObject() || !CvmState.BUNDLE_FORMAT.equals(payload.path("format").asText())
                || !CvmRef.names(payload.path("state").path("payload").path("cvm"), cvm)) {
            throw notAnswered(client, "a bundle of " + cvm);
        }
        try {
            Files.write(file, ControllerClient.JSON.writeValueAsBytes(bundle));
        } catch (IOException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write " + file + ": " + InputFiles.describe(e));
        }
        JsonNode history = payload.path("cvm");
        int entries = history.path("custody").size() + history.path("entries").size();
        if (json.json) {
            ObjectNode out = ControllerClient.JSON.createObjectNode().put("cvm", cvm).put("file", file.toString()).put("entries", entries)
                    .put("verified", false);
            if (since != null) {
                out.put("since", since);
            }
            printJson(out);
            return 0;
        }
        out().println(printable("bundle of " + cvm + " (" + entries + " entries" + (since == null ? "" : " since log size " + since)
                + ") written to " + file + " (unverified: use duet verify)"));
        out().flush();
        return 0;
    }
}
