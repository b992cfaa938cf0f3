package dev.duet.cli;

import static dev.duet.cli.DuetCli.notAnswered;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** A CVM's history, paged from the controller's entries route, for the summary that counts it. */
final class CvmPages {
    private CvmPages() {}

    /**
     * The CVM's history as far as the summary counts it, paged from the controller. Entries
     * appended after the summary was signed are left out; the verifier checks the rest against
     * the summary's head and checkpoint, so a page that lies fails there, not here.
     */
    static List<JsonNode> history(ControllerApi client, String cvm, JsonNode summary) throws CliFailure {
        long size = summary.path("payload").path("cvm_log").path("size").asLong(0);
        List<JsonNode> entries = new ArrayList<>();
        long start = 0;
        while (entries.size() < size) {
            JsonNode page = client.cvmEntries(cvm, start);
            JsonNode list = page.path("entries");
            JsonNode next = page.path("next");
            if (!list.isArray() || !(next.isNull() || next.canConvertToExactIntegral() && next.asLong() > start)) {
                throw notAnswered(client, "a page of the history of " + cvm);
            }
            for (JsonNode entry : list) {
                if (entries.size() < size) {
                    entries.add(entry);
                }
            }
            if (next.isNull()) {
                break;
            }
            start = next.asLong();
        }
        return entries;
    }
}
