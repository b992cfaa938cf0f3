package dev.duet.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.cli.DuetCli.ControllerOption;
import dev.duet.cli.DuetCli.JsonOption;
import dev.duet.cli.DuetCli.OwnerKeyOption;
import dev.duet.cli.DuetCli.Verb;
import dev.duet.log.Sha256Hash;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.KeyFormatException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * k of n owners from the command line (issue 12, docs/operations.md "Several owners"): the requests
 * waiting for approvals, one of them, an approval, and owner key changes (themselves governed).
 */
final class ApprovalCommands {
    private static final Pattern REQUEST_ID = Pattern.compile("apr-[0-9a-f]{16}");

    private ApprovalCommands() {}

    /** One line for a governed request: what it asks, who approved it, where it stands. */
    static String line(JsonNode a) {
        return DuetCli.printable(a.path("id").asText() + " " + a.path("state").asText() + ": " + a.path("method").asText() + " "
                + a.path("path").asText() + " by " + a.path("requested_by").asText() + ", " + a.path("approved_by").size() + " of "
                + a.path("threshold").asInt() + " approvals, expires " + a.path("expires").asText()
                + (a.hasNonNull("outcome") ? " (" + a.path("outcome").asText() + ")" : ""));
    }

    /** What an owner sees when a governed request must wait for the others. */
    static String waiting(JsonNode a) {
        return line(a) + "; other owners approve it with: duet approve " + a.path("id").asText();
    }

    /**
     * Shows an answer that is a governed request waiting for other owners (202) rather than the
     * route's own answer: whole as JSON, or as the line saying how to approve it. False for any other
     * answer, which the verb shows itself.
     */
    static boolean shownWaiting(DuetCli.Verb verb, JsonOption json, JsonNode answer) {
        if (!isWaiting(answer)) {
            return false;
        }
        if (json.json) {
            verb.printJson(answer);
        } else {
            verb.out().println(waiting(answer));
            verb.out().flush();
        }
        return true;
    }

    /** Whether an answer is a governed request that waits (202) rather than the route's own answer. */
    static boolean isWaiting(JsonNode answer) {
        return REQUEST_ID.matcher(answer.path("id").asText("")).matches() && answer.path("state").asText("").equals("pending");
    }

    /**
     * The body a pending request's owner signed, checked against the {@code body_sha256} the
     * controller names (and logged): a controller serving one body and holding another would have
     * owners approve what they did not see, so a mismatch fails the verb. Empty when none is served
     * (a request that ended carries none).
     */
    static Optional<String> checkedBody(JsonNode a) throws CliFailure {
        JsonNode body = a.path("body");
        if (body.isMissingNode() || body.isNull()) {
            return Optional.empty();
        }
        String hash = body.isTextual() ? Sha256Hash.of(body.textValue().getBytes(StandardCharsets.UTF_8)).hex() : "(not a string)";
        if (!hash.equals(a.path("body_sha256").asText())) {
            throw new CliFailure(CliFailure.CHECK_FAILED, DuetCli.printable("the controller serves request " + a.path("id").asText()
                    + " with a body whose SHA-256 is " + hash + ", not its body_sha256 " + a.path("body_sha256").asText()
                    + ": it does not show what waits; nothing approved"));
        }
        return Optional.of(body.textValue());
    }

    /** A request's line and, under it, the body its owner signed, indented as JSON (or as text if it is not JSON). */
    static String shown(JsonNode a, Optional<String> body) {
        StringBuilder out = new StringBuilder(line(a));
        body.ifPresent(text -> {
            String pretty;
            try {
                pretty = ControllerClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(ControllerClient.JSON.readTree(text));
            } catch (JsonProcessingException e) {
                pretty = text;
            }
            out.append(System.lineSeparator()).append("body (SHA-256 ").append(a.path("body_sha256").asText()).append("):");
            pretty.lines().forEach(l -> out.append(System.lineSeparator()).append("  ").append(DuetCli.printable(l)));
        });
        return out.toString();
    }

    static String requestId(String given) throws CliFailure {
        if (!REQUEST_ID.matcher(given).matches()) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "'" + DuetCli.printable(given) + "' is not a request id (apr- and 16 hex digits)");
        }
        return given;
    }

    @Command(name = "approvals", description = "Governed requests (k of n owners): those waiting for approvals, or one of them.")
    static final class Group implements Runnable {
        @Spec CommandSpec spec;

        /** Bare, it says what is missing, with the usage. */
        @Override
        public void run() {
            throw new ParameterException(spec.commandLine(), "Missing a verb");
        }
    }

    @Command(name = "list", description = "List the governed requests waiting for owners' approvals.")
    static final class ListApprovals extends Verb {
        @Mixin ControllerOption controller;
        @Mixin TransportTrust transportTrust;
        @Mixin JsonOption json;

        @Override
        public Integer call() throws CliFailure {
            JsonNode list = controller.client(Optional.empty()).approvals();
            if (json.json) {
                printJson(list);
                return 0;
            }
            if (list.path("approvals").isEmpty()) {
                out().println("no request waits for approvals");
            }
            list.path("approvals").forEach(a -> out().println(line(a)));
            out().flush();
            return 0;
        }
    }

    @Command(name = "show", description = "Show one governed request, whatever its state.")
    static final class Show extends Verb {
        @Mixin ControllerOption controller;
        @Mixin TransportTrust transportTrust;
        @Mixin JsonOption json;
        @Parameters(index = "0", paramLabel = "ID", description = "The request's id (apr-...).") String id;

        @Override
        public Integer call() throws CliFailure {
            JsonNode approval = controller.client(Optional.empty()).approval(requestId(id));
            Optional<String> body = checkedBody(approval);
            if (json.json) {
                printJson(approval);
                return 0;
            }
            out().println(shown(approval, body));
            out().flush();
            return 0;
        }
    }

    @Command(name = "approve", description = "Approve a governed request another owner made; the k-th approval carries it out.")
    static final class Approve extends Verb {
        @Mixin ControllerOption controller;
        @Mixin TransportTrust transportTrust;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        @Parameters(index = "0", paramLabel = "ID", description = "The request's id (apr-...).") String id;

        @Override
        public Integer call() throws CliFailure {
            ControllerApi client = controller.client(Optional.of(key.load()));
            JsonNode asked = client.approval(requestId(id));
            // Shown and checked before anything is signed: an owner approves the body they saw, and only it (body_sha256).
            Optional<String> body = checkedBody(asked);
            if (body.isEmpty()) {
                throw new CliFailure(CliFailure.CHECK_FAILED, DuetCli.printable("request " + id + " is " + asked.path("state").asText()
                        + " and the controller serves no body for it: nothing to approve unseen"));
            }
            (json.json ? err() : out()).println("approving " + shown(asked, body));
            JsonNode result = client.approve(id, asked.path("body_sha256").asText());
            JsonNode outcome = result.path("outcome");
            if (json.json) {
                printJson(result);
            } else {
                out().println(line(result.path("approval")));
                if (outcome.has("problem")) {
                    out().println(DuetCli.printable("carrying it out was refused (" + outcome.path("status").asInt() + "): "
                            + outcome.path("problem").path("detail").asText()));
                } else if (outcome.has("status")) {
                    out().println("carried out" + (outcome.path("result").has("log_index") ? " (log entry "
                            + outcome.path("result").path("log_index").asLong() + ")" : ""));
                }
                out().flush();
            }
            return outcome.has("problem") ? CliFailure.CHECK_FAILED : 0;
        }
    }

    @Command(name = "owner-keys", description = "Change the owner keys: add one, remove one, or set the threshold (k of n of the "
            + "current owners approve; 'duet owners' shows entry 0's).")
    static final class OwnerKeys implements Runnable {
        @Spec CommandSpec spec;

        /** Bare, it says what is missing, with the usage. */
        @Override
        public void run() {
            throw new ParameterException(spec.commandLine(), "Missing a verb");
        }
    }

    /** {@code duet owner-keys add|remove|threshold}: an owner key change, governed by k of n of the current owners. */
    abstract static class Change extends Verb {
        @Mixin ControllerOption controller;
        @Mixin TransportTrust transportTrust;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;

        abstract ObjectNode body() throws CliFailure;

        @Override
        public Integer call() throws CliFailure {
            JsonNode result = controller.client(Optional.of(key.load())).changeOwners(body());
            if (shownWaiting(this, json, result)) {
                return 0;
            }
            if (json.json) {
                printJson(result);
                return 0;
            }
            List<String> owners = new ArrayList<>();
            result.path("owners").forEach(o -> owners.add(o.asText()));
            out().println(DuetCli.printable("owner keys now " + String.join(", ", owners) + "; " + result.path("threshold").asInt()
                    + " needed (log entry " + result.path("log_index").asLong() + ")"));
            out().flush();
            return 0;
        }
    }

    @Command(name = "add", description = "Add an owner key (its public key file, e.g. one 'duet keygen' wrote as FILE.pub).")
    static final class Add extends Change {
        @Parameters(index = "0", paramLabel = "KEYFILE", description = "The new owner's public key (PEM), or its private key file.") Path file;

        @Override
        ObjectNode body() throws CliFailure {
            String text = InputFiles.readText(file, InputFiles.SMALL, "owner key");
            Ed25519PublicKey added;
            try {
                added = text.contains("PRIVATE KEY") ? Ed25519KeyPair.parsePem(text).publicKey() : Ed25519PublicKey.parsePem(text);
            } catch (KeyFormatException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "owner key " + file + ": " + e.getMessage());
            }
            ObjectNode body = ControllerClient.JSON.createObjectNode();
            body.putArray("add").addObject().put("key_id", added.keyId()).put("public_key", added.base64());
            return body;
        }
    }

    @Command(name = "remove", description = "Remove an owner key by its key id: it is refused from then on.")
    static final class Remove extends Change {
        @Parameters(index = "0", paramLabel = "KEYID", description = "The key id to remove (duet owners lists them).") String keyId;

        @Override
        ObjectNode body() {
            ObjectNode body = ControllerClient.JSON.createObjectNode();
            body.putArray("remove").add(keyId);
            return body;
        }
    }

    @Command(name = "threshold", description = "Set how many distinct owner keys a governed request needs (1 to the number of keys).")
    static final class Threshold extends Change {
        @Parameters(index = "0", paramLabel = "K", description = "The threshold.") int k;

        @Override
        ObjectNode body() {
            return ControllerClient.JSON.createObjectNode().put("threshold", k);
        }
    }
}
