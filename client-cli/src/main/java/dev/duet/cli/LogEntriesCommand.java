package dev.duet.cli;

import static dev.duet.cli.LogCommands.freshCheckpoint;
import static dev.duet.cli.LogCommands.prove;
import static dev.duet.cli.LogCommands.refused;
import static dev.duet.cli.LogCommands.trusted;
import static dev.duet.cli.LogCommands.verdictJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.cli.LogCommands.Fresh;
import dev.duet.cli.LogCommands.Proved;
import dev.duet.log.note.Checkpoint;
import dev.duet.protocol.CvmState;
import dev.duet.protocol.SignedDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A page of the log, or of one CVM's entries, each shown only once its inclusion proof checks out
 * against the verified latest checkpoint (entries appended after it wait for the next one). A CVM
 * given by name is resolved through its signed state, verified with the same key, so that the
 * entries shown are those of the CVM that the controller signed that name for.
 */
@Command(name = "entries", description = "Page through the log's entries, or one CVM's, each verified to be in the latest checkpoint "
        + "(and that checkpoint against the one remembered). Exit 0 all included, 1 an entry or the checkpoint fails, 2 usage or unreachable.")
final class LogEntriesCommand extends DuetCli.Verb {
    /** Each entry shown costs an inclusion proof: a page is bounded as the controller's own pages are. */
    static final int MAX_LIMIT = 1000;

    @Mixin DuetCli.ControllerOption controller;
    @Mixin ControllerTrust trust;
    @Mixin CheckpointMemory memory;
    @Mixin DuetCli.JsonOption json;
    @Option(names = "--cvm", paramLabel = "CVM", converter = CvmRef.class, description = "Only this CVM's entries: "
            + CvmRef.WHAT) String cvm;
    @Option(names = "--start", paramLabel = "INDEX", defaultValue = "0", description = "The log index to start from (default 0; "
            + "the page's last line says where the next starts).") long start;
    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "At most this many entries (1-" + MAX_LIMIT
            + ", default ${DEFAULT-VALUE}).") int limit;

    @Override
    public Integer call() throws CliFailure {
        if (start < 0) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--start must be a log index (0 or more), not " + start);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--limit must be from 1 to " + MAX_LIMIT + ", not " + limit);
        }
        ControllerApi client = controller.client(Optional.empty());
        ControllerTrust.TrustedKey key = trusted(trust, Optional.of(client));
        Fresh fresh = freshCheckpoint(client, key.key(), memory);
        if (fresh.refused()) {
            return refused(this, json.json, "included", key, fresh, out -> { });
        }
        Checkpoint checkpoint = fresh.checkpoint();
        Optional<String> cvmId = cvm == null ? Optional.empty() : Optional.of(cvmId(client, key));
        List<JsonNode> served = new ArrayList<>();
        OptionalLong next = cvmId.isPresent() ? cvmPage(client, cvmId.get(), checkpoint.size(), served) : logPage(client, checkpoint.size(), served);
        List<Proved> proved = new ArrayList<>();
        for (JsonNode entry : served) {
            long index = entry.path("seq").asLong(-1);
            Proved p = prove(client, checkpoint, index, entry);
            proved.add(p.failure().isEmpty() && cvmId.isPresent() && !cvmId.get().equals(p.decoded().get().subject().orElse(""))
                    ? new Proved(entry, Optional.empty(), Optional.of("the entry is not about " + cvmId.get())) : p);
        }
        boolean included = proved.stream().allMatch(p -> p.failure().isEmpty());
        if (json.json) {
            ObjectNode out = verdictJson("included", included, key);
            cvmId.ifPresent(id -> out.put("cvm", id));
            out.set("checkpoint", CheckpointMemory.json(checkpoint));
            out.set("checkpoint_memory", CheckpointMemory.json(fresh.succession()));
            ArrayNode list = out.putArray("entries");
            ArrayNode failures = out.putArray("failures");
            for (Proved p : proved) {
                if (p.failure().isEmpty()) {
                    list.add(p.entry());
                } else {
                    failures.addObject().put("index", p.entry().path("seq").asLong(-1)).put("detail", p.failure().get());
                }
            }
            next.ifPresentOrElse(n -> out.put("next", n), () -> out.putNull("next"));
            printJson(out);
        } else {
            key.warning().ifPresent(out()::println);
            for (Proved p : proved) {
                JsonNode e = p.entry();
                out().println(DuetCli.printable(p.failure().map(f -> "NOT INCLUDED " + e.path("seq").asLong(-1) + ": " + f)
                        .orElse(e.path("seq").asLong() + "  " + e.path("time").asText() + "  " + e.path("kind").asText()
                                + e.path("subject").asText("").transform(x -> x.isEmpty() ? "" : "  " + x)
                                + "  by " + e.path("actor").asText())));
            }
            out().println(proved.size() + (included ? " entries, each included in " : " entries, NOT ALL included in ") + "the checkpoint of size "
                    + checkpoint.size() + " (" + CheckpointMemory.detail(fresh.succession()) + ")"
                    + (next.isPresent() ? "; next page: --start " + next.getAsLong() : "; no more entries in this checkpoint"));
            out().flush();
        }
        return included ? 0 : CliFailure.CHECK_FAILED;
    }

    /** The CVM's id: as given, or the one its signed state (fetched by name, verified with the controller's key) names. */
    private String cvmId(ControllerApi client, ControllerTrust.TrustedKey key) throws CliFailure {
        if (CvmState.ID.matcher(cvm).matches()) {
            return cvm;
        }
        SignedDocument.Verified state = SignedDocument.verify(client.state(cvm), key.key());
        JsonNode named = state.payload().map(p -> p.path("cvm")).orElseThrow(() -> new CliFailure(CliFailure.CHECK_FAILED,
                "the state of " + cvm + " does not verify: " + state.failure()));
        if (!CvmRef.names(named, cvm) || !CvmState.ID.matcher(named.path("id").asText("")).matches()) {
            throw new CliFailure(CliFailure.CHECK_FAILED, "the controller's signed state for " + cvm + " is about another CVM");
        }
        return named.path("id").asText();
    }

    /** Entries {@code [start, start + limit)} of the log, up to the checkpoint; where the next page starts, if there is one. */
    private OptionalLong logPage(ControllerApi client, long size, List<JsonNode> served) throws CliFailure {
        long end = Math.min(size, start + limit);
        for (long at = start; at < end; ) {
            JsonNode page = client.entries(at, end).path("entries");
            if (!page.isArray() || page.isEmpty()) {
                throw new CliFailure(CliFailure.CHECK_FAILED, "controller stopped serving entries at " + at + " of " + size);
            }
            for (JsonNode entry : page) {
                if (at < end) {
                    // Each is proved at the index it claims: one out of place would be another entry, shown as this one.
                    if (entry.path("seq").asLong(-1) != at) {
                        throw DuetCli.notAnswered(client, "entry " + at + " of the log");
                    }
                    served.add(entry);
                    at++;
                }
            }
        }
        return end < size ? OptionalLong.of(end) : OptionalLong.empty();
    }

    /** The CVM's own entries from {@code start}, at most {@code limit}, up to the checkpoint; where the next page starts, if there may be one. */
    private OptionalLong cvmPage(ControllerApi client, String id, long size, List<JsonNode> served) throws CliFailure {
        long at = start;
        while (served.size() < limit) {
            JsonNode page = client.cvmEntries(id, at, limit - served.size());
            JsonNode list = page.path("entries");
            JsonNode next = page.path("next");
            if (!list.isArray() || !(next.isNull() || next.canConvertToExactIntegral() && next.asLong() > at)) {
                throw DuetCli.notAnswered(client, "a page of the history of " + id);
            }
            for (JsonNode entry : list) {
                long seq = entry.path("seq").asLong(-1);
                // In log order, each once: a repeated entry would be counted twice.
                if (seq < at || !served.isEmpty() && seq <= served.get(served.size() - 1).path("seq").asLong()) {
                    throw DuetCli.notAnswered(client, "a page of the history of " + id);
                }
                if (seq >= size) {
                    return OptionalLong.empty();
                }
                if (served.size() < limit) {
                    served.add(entry);
                }
            }
            if (next.isNull()) {
                return OptionalLong.empty();
            }
            at = next.asLong();
        }
        long last = served.get(served.size() - 1).path("seq").asLong(-1);
        return last + 1 < size ? OptionalLong.of(last + 1) : OptionalLong.empty();
    }
}
