package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.protocol.ControllerLog;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.ArrayList;
import java.util.OptionalLong;
import java.util.Optional;
import java.time.Duration;
import java.util.List;

/**
 * The controller's API as operations, and the only place in the CLI that spells its routes: a verb
 * names what it wants, this class says where that is. Transport, deadlines, signing and typed
 * failures are {@link ControllerClient}'s; answers come back as read, for the verb to check.
 */
final class ControllerApi {
    /** The path of a CVM's bundle, as a user gives its whole URL to 'duet verify'; group 1 is the CVM id. */
    static final java.util.regex.Pattern BUNDLE_PATH = java.util.regex.Pattern.compile("/v1/cvms/([^/]+)/bundle");

    private static final java.util.regex.Pattern CONTROLLER_KEY_ID = java.util.regex.Pattern.compile("[0-9a-f]{64}");
    private final ControllerClient http;
    private String controllerKeyId;

    ControllerApi(ControllerClient http) {
        this.http = http;
    }

    /**
     * The key id of the controller this client talks to, read once from its log's origin (the
     * checkpoint's first line): owner requests are signed for it, so that no other controller takes
     * them. Over HTTPS the checkpoint comes over the pinned, attested TLS key like every answer.
     */
    private String controllerKeyId() throws CliFailure {
        if (controllerKeyId == null) {
            String origin = checkpoint().lines().findFirst().orElse("");
            String id = origin.startsWith(ControllerLog.ORIGIN_PREFIX) ? origin.substring(ControllerLog.ORIGIN_PREFIX.length()) : "";
            if (!CONTROLLER_KEY_ID.matcher(id).matches()) {
                throw new ControllerClient.Unavailable("the controller at " + base() + " names no controller key in its checkpoint, so no "
                        + "request can be signed for it");
            }
            controllerKeyId = id;
        }
        return controllerKeyId;
    }

    URI base() {
        return http.base();
    }

    JsonNode cvms() throws CliFailure {
        return http.get("/v1/cvms");
    }

    /** A CVM's signed state as the controller has it now. */
    JsonNode state(String cvmId) throws CliFailure {
        return http.get(cvm(cvmId));
    }

    /** A CVM's signed state, signed for this nonce (fresh). */
    JsonNode state(String cvmId, String nonce) throws CliFailure {
        return http.get(cvm(cvmId) + "?nonce=" + nonce);
    }

    /** A page of a CVM's own entries from log position {@code start} on ({@code next} says where the following page starts). */
    JsonNode cvmEntries(String cvmId, long start) throws CliFailure {
        return http.get(cvm(cvmId) + "/entries?start=" + start);
    }

    /** At most {@code limit} of a CVM's own entries from log position {@code start} on. */
    JsonNode cvmEntries(String cvm, long start, int limit) throws CliFailure {
        return http.get(cvm(cvm) + "/entries?start=" + start + "&limit=" + limit);
    }

    /** A CVM's bundle: for {@code nonce} when given, with the history since the log size {@code since} when given. */
    JsonNode bundle(String cvmId, Optional<String> nonce, OptionalLong since) throws CliFailure {
        return http.get(bundlePath(cvmId, nonce, since));
    }

    /** The bundle as the bytes the controller sent, which is what a verifier judges. */
    byte[] bundleBytes(String cvmId, Optional<String> nonce, OptionalLong since) throws CliFailure {
        return http.getBytes(bundlePath(cvmId, nonce, since));
    }

    private String bundlePath(String cvmId, Optional<String> nonce, OptionalLong since) {
        List<String> query = new ArrayList<>();
        nonce.ifPresent(n -> query.add("nonce=" + n));
        since.ifPresent(s -> query.add("since=" + s));
        return cvm(cvmId) + "/bundle" + (query.isEmpty() ? "" : "?" + String.join("&", query));
    }

    /** The controller's evidence as it is, without a nonce (to save with an export). */
    JsonNode evidence() throws CliFailure {
        return http.get("/v1/controller/evidence");
    }

    /** The controller's evidence, signed for this nonce (fresh). */
    JsonNode evidence(String nonce) throws CliFailure {
        return http.get(evidencePath(nonce));
    }

    /** Where the evidence for {@code nonce} is: also what {@link ControllerTransport} fetches to pin the TLS key. */
    static String evidencePath(String nonce) {
        return "/v1/controller/evidence?nonce=" + nonce;
    }

    /** The log's latest checkpoint, a signed note. */
    String checkpoint() throws CliFailure {
        return http.getText("/v1/log/checkpoint");
    }

    /** A page of the log's entries from {@code start} up to (not including) {@code end}. */
    JsonNode entries(long start, long end) throws CliFailure {
        return http.get("/v1/log/entries?start=" + start + "&end=" + end);
    }

    JsonNode inclusionProof(long index, long size) throws CliFailure {
        return http.get("/v1/log/proof/inclusion?index=" + index + "&size=" + size);
    }

    JsonNode consistencyProof(long from, long to) throws CliFailure {
        return http.get("/v1/log/proof/consistency?from=" + from + "&to=" + to);
    }

    /** An owner request: a new CVM, adopted over SSH or launched, as {@code body} describes it. */
    JsonNode createCvm(ObjectNode body) throws CliFailure {
        return http.owner(controllerKeyId(), "POST", "/v1/cvms", body);
    }

    /** An owner request: switch a CVM to {@code mode}. */
    JsonNode setMode(String cvmId, String mode) throws CliFailure {
        return http.owner(controllerKeyId(), "PUT", cvm(cvmId) + "/mode", ControllerClient.JSON.createObjectNode().put("mode", mode));
    }

    /** An owner request: run {@code argv} on a CVM; the answer may take the command's own timeout on top of the usual wait. */
    JsonNode runCommand(String cvmId, List<String> argv, double timeoutSeconds) throws CliFailure {
        ObjectNode body = ControllerClient.JSON.createObjectNode().put("timeout_seconds", timeoutSeconds);
        argv.forEach(body.putArray("argv")::add);
        return http.owner(controllerKeyId(), "POST", cvm(cvmId) + "/commands", body, Duration.ofMillis((long) Math.ceil(timeoutSeconds * 1000)));
    }

    /** The policy in force for a CVM, or with none the controller-wide default. */
    JsonNode policy(Optional<String> cvm) throws CliFailure {
        return http.get(cvm.map(c -> cvm(c) + "/policy").orElse("/v1/policy"));
    }

    /** An owner request: set a CVM's policy, or with none the controller-wide default. */
    JsonNode setPolicy(Optional<String> cvm, JsonNode policy) throws CliFailure {
        return http.owner(controllerKeyId(), "PUT", cvm.map(c -> cvm(c) + "/policy").orElse("/v1/policy"), policy);
    }

    /** Writes a file on the CVM (owner): {@code content} at {@code path} with {@code mode}. */
    JsonNode putFile(String cvmId, String path, String mode, byte[] content) throws CliFailure {
        ObjectNode body = ControllerClient.JSON.createObjectNode().put("path", path).put("mode", mode)
                .put("content", Base64.getEncoder().encodeToString(content));
        return http.owner(controllerKeyId(), "POST", cvm(cvmId) + "/files", body);
    }

    /** Reads a file back from the CVM (owner; the query is signed). */
    JsonNode getFile(String cvmId, String path) throws CliFailure {
        return http.owner(controllerKeyId(), "GET", cvm(cvmId) + "/files?path=" + URLEncoder.encode(path, StandardCharsets.UTF_8), null);
    }

    /** An owner request: stop managing a CVM and destroy its key. */
    JsonNode stop(String cvmId) throws CliFailure {
        return http.owner(controllerKeyId(), "DELETE", cvm(cvmId), null);
    }

    /** An owner request: take a stopped or failed CVM off the list; its history stays in the log, and by id it still answers. */
    JsonNode removeListing(String cvm) throws CliFailure {
        return http.owner(controllerKeyId(), "DELETE", cvm(cvm) + "/listing", null);
    }

    /** The governed requests waiting for owners' approvals. */
    JsonNode approvals() throws CliFailure {
        return http.get("/v1/approvals");
    }

    /** One governed request, whatever its state. */
    JsonNode approval(String id) throws CliFailure {
        return http.get("/v1/approvals/" + URLEncoder.encode(id, StandardCharsets.UTF_8));
    }

    /**
     * An owner request: approve a waiting request; the k-th approval carries it out. It names the
     * SHA-256 of the body the owner saw, so the controller counts it only for that body.
     */
    JsonNode approve(String id, String bodySha256) throws CliFailure {
        return http.owner(controllerKeyId(), "POST", "/v1/approvals/" + URLEncoder.encode(id, StandardCharsets.UTF_8),
                ControllerClient.JSON.createObjectNode().put("body_sha256", bodySha256));
    }

    /** An owner request: add or remove owner keys, or set the threshold ({@code body} as the API takes it). */
    JsonNode changeOwners(ObjectNode body) throws CliFailure {
        return http.owner(controllerKeyId(), "POST", "/v1/owners", body);
    }

    /** A CVM's route, by id or by name: what the user typed, percent-encoded, so that it stays one path segment. */
    private static String cvm(String cvmId) {
        return "/v1/cvms/" + URLEncoder.encode(cvmId, StandardCharsets.UTF_8);
    }
}
