package dev.duet.controller;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.protocol.CvmMode;
import java.util.Optional;

/** What the controller tells anyone about a CVM. Holds no secret. */
public record CvmView(
        String id,
        String name,
        ProviderKind provider,
        CvmMode mode,
        String address,
        String hostKeyPin,
        Optional<String> hostKey,
        String controllerSshKey,
        Optional<String> reason,
        Optional<Attestation> attestation) {

    /** Where the evidence binding this CVM's host key comes from; {@code simulated} evidence proves nothing about hardware. */
    public record Attestation(String source, boolean simulated) {}

    /** The CVM as it appears in listings and inside the signed state. */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode()
                .put("id", id).put("name", name).put("provider", provider.wire()).put("mode", mode.wire())
                .put("address", address).put("host_key_pin", hostKeyPin)
                .put("host_key", hostKey.orElse(null)).put("controller_ssh_key", controllerSshKey);
        reason.ifPresent(r -> node.put("reason", r));
        attestation.ifPresent(a -> node.putObject("attestation").put("source", a.source()).put("simulated", a.simulated()));
        return node;
    }
}
