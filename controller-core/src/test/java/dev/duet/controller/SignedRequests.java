package dev.duet.controller;

import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.OwnerRequestSignature;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Owner requests as the HTTP layer hands them to the controller, signed by a test owner. */
final class SignedRequests {
    private SignedRequests() {}

    /** Signed by {@code owner} for {@code controller}. */
    static OwnerRequest signed(Controller controller, Ed25519KeyPair owner, String method, String path, byte[] body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        OwnerRequestSignature.sign(owner, controller.signingKey().keyId(), method, path, null, body, Instant.now().getEpochSecond()).forEach((k, v) -> headers.put(k, List.of(v)));
        headers.put("Content-Type", List.of("application/json"));
        headers.put("Content-Length", List.of(String.valueOf(body.length)));
        String[] segments = path.split("/");
        Optional<String> cvm = segments.length > 3 && segments[2].equals("cvms") ? Optional.of(segments[3]) : Optional.empty();
        return new OwnerRequest(method, path, null, "127.0.0.1", headers, OwnerRequest.Body.JSON, cvm);
    }

    /** The request line of a command for {@code cvm}, as the HTTP layer would hand it over. */
    static OwnerRequest.Line commandLine(String cvm) {
        return new OwnerRequest.Line("POST", "/v1/cvms/" + cvm + "/commands");
    }

    /** A body source that holds {@code body} and hands it over at once. */
    static BodySource body(byte[] body) {
        return (length, within) -> body.clone();
    }
}
