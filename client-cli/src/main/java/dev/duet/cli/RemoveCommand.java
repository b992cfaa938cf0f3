package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.cli.DuetCli.ControllerOption;
import dev.duet.cli.DuetCli.JsonOption;
import dev.duet.cli.DuetCli.OwnerKeyOption;
import dev.duet.cli.DuetCli.Verb;
import dev.duet.protocol.CvmState;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "remove", description = "Take a stopped or failed CVM off the list: its history stays in the log, its state and "
        + "bundle still answer by id, and its name is free again.")
final class RemoveCommand extends Verb {
    @Mixin ControllerOption controller;
    @Mixin TransportTrust transportTrust;
    @Mixin OwnerKeyOption key;
    @Mixin JsonOption json;
    @Parameters(index = "0", paramLabel = "CVM", converter = CvmRef.class, description = CvmRef.WHAT) String cvm;

    @Override
    public Integer call() throws CliFailure {
        ControllerApi client = controller.client(Optional.of(key.load()));
        JsonNode result = client.removeListing(cvm);
        if (!CvmRef.names(result, cvm) || !CvmState.ID.matcher(result.path("id").asText("")).matches()) {
            throw DuetCli.notAnswered(client, "the CVM " + cvm + " it removed");
        }
        if (json.json) {
            printJson(result);
            return 0;
        }
        out().println(DuetCli.printable(result.path("id").asText() + " (" + result.path("name").asText() + ", "
                + result.path("mode").asText() + ") removed from the list; its history stays in the log"));
        out().flush();
        return 0;
    }
}
