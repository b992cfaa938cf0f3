package dev.duet.protocol.entry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.protocol.entry.Payload.ApprovalAdded;
import dev.duet.protocol.entry.Payload.ApprovalExpired;
import dev.duet.protocol.entry.Payload.ApprovalRequested;
import dev.duet.protocol.entry.Payload.DefaultPolicySet;
import dev.duet.protocol.entry.Payload.FileRead;
import dev.duet.protocol.entry.Payload.FileWriteCompleted;
import dev.duet.protocol.entry.Payload.FileWriteFailed;
import dev.duet.protocol.entry.Payload.FileWriteStarted;
import dev.duet.protocol.entry.Payload.OwnerKey;
import dev.duet.protocol.entry.Payload.OwnersChanged;
import dev.duet.protocol.entry.Payload.PolicySet;
import dev.duet.protocol.shield.ShieldPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The JSON of the entries the shielding interface writes (issue 12: policies, file transfers, k-of-n
 * approvals), kept apart from {@link PayloadCodec}, which dispatches to it. Same rules: encoding
 * writes what the controller writes, decoding is strict.
 */
final class ShieldPayloadCodec {
    private static final String APPROVED_BY = "approved_by";
    static final String OWNERS_ENTRY = "owners_entry";

    private ShieldPayloadCodec() {}

    /** Encodes a shielding payload into {@code out}; false for any other kind. */
    static boolean encode(Payload payload, ObjectNode out) {
        if (payload instanceof PolicySet p) {
            out.put("version", p.version()).put("origin", p.origin()).put("sha256", p.sha256()).set("policy", PolicyCodec.encode(p.policy()));
            approvedBy(out, p.approvedBy());
            p.ownersEntry().ifPresent(seq -> out.put(OWNERS_ENTRY, seq));
        } else if (payload instanceof DefaultPolicySet p) {
            out.put("version", p.version()).put("sha256", p.sha256()).set("policy", PolicyCodec.encode(p.policy()));
            approvedBy(out, p.approvedBy());
            out.put(OWNERS_ENTRY, p.ownersEntry());
        } else if (payload instanceof FileWriteStarted p) {
            out.put("transfer_id", p.transferId()).put("path", p.path()).put("permissions", p.permissions()).put("bytes", p.bytes())
                    .put("sha256", p.sha256()).put("rule", p.rule());
            p.content().ifPresent(c -> out.put("content", c));
        } else if (payload instanceof FileWriteCompleted p) {
            out.put("transfer_id", p.transferId());
        } else if (payload instanceof FileWriteFailed p) {
            out.put("transfer_id", p.transferId()).put("reason", p.reason());
        } else if (payload instanceof FileRead p) {
            out.put("transfer_id", p.transferId()).put("path", p.path()).put("bytes", p.bytes()).put("sha256", p.sha256()).put("rule", p.rule());
        } else if (payload instanceof ApprovalRequested p) {
            out.put("request_id", p.requestId()).put("method", p.method()).put("path", p.path()).put("body_sha256", p.bodySha256())
                    .put("expires", p.expires().toString());
        } else if (payload instanceof ApprovalAdded p) {
            out.put("request_id", p.requestId());
        } else if (payload instanceof ApprovalExpired p) {
            out.put("request_id", p.requestId());
            p.approvedBy().forEach(out.putArray(APPROVED_BY)::add);
        } else if (payload instanceof OwnersChanged p) {
            ArrayNode added = out.putArray("added");
            p.added().forEach(k -> added.addObject().put("key_id", k.keyId()).put("public_key", k.publicKey()));
            p.removed().forEach(out.putArray("removed")::add);
            out.put("threshold", p.threshold());
            approvedBy(out, p.approvedBy());
            out.put(OWNERS_ENTRY, p.ownersEntry());
        } else {
            return false;
        }
        return true;
    }

    /** The owners who approved a governed entry, written only when k of n applied (an entry one owner made has none). */
    static void approvedBy(ObjectNode out, List<String> approvedBy) {
        if (!approvedBy.isEmpty()) {
            approvedBy.forEach(out.putArray(APPROVED_BY)::add);
        }
    }

    static List<String> approvedBy(Fields f) throws MalformedPayloadException {
        if (!f.has(APPROVED_BY)) {
            return List.of();
        }
        List<String> owners = f.texts(APPROVED_BY);
        if (owners.isEmpty() || owners.stream().distinct().count() != owners.size()) {
            throw f.malformed(APPROVED_BY, "is not a list of distinct owner key ids");
        }
        return owners;
    }

    /** The log position of the owners a governed entry was approved under: entry 0 or an {@code owners.changed}. */
    static long ownersEntry(Fields f) throws MalformedPayloadException {
        return f.integer(OWNERS_ENTRY, 0, Long.MAX_VALUE);
    }

    /** Decodes a shielding kind; the caller checks that every member was read. */
    static Payload decode(EntryKind kind, Fields f) throws MalformedPayloadException {
        return switch (kind) {
            case POLICY_SET -> {
                long version = f.integer("version", 1, Long.MAX_VALUE);
                String origin = f.text("origin");
                if (!origin.equals(PolicySet.ORIGIN_DEFAULT) && !origin.equals(PolicySet.ORIGIN_OWNER)) {
                    throw f.malformed("origin", "is neither " + PolicySet.ORIGIN_DEFAULT + " nor " + PolicySet.ORIGIN_OWNER);
                }
                OptionalLong owners = origin.equals(PolicySet.ORIGIN_OWNER) ? OptionalLong.of(ownersEntry(f)) : OptionalLong.empty();
                yield new PolicySet(version, origin, policy(f), f.text("sha256"), approvedBy(f), owners);
            }
            case POLICY_DEFAULT_SET -> new DefaultPolicySet(f.integer("version", 1, Long.MAX_VALUE), policy(f), f.text("sha256"), approvedBy(f),
                    ownersEntry(f));
            case FILE_WRITE_STARTED -> new FileWriteStarted(f.text("transfer_id"), f.text("path"), f.text("permissions"),
                    f.integer("bytes", 0, Long.MAX_VALUE), f.text("sha256"), f.has("content") ? Optional.of(f.text("content")) : Optional.empty(),
                    f.text("rule"));
            case FILE_WRITE_COMPLETED -> new FileWriteCompleted(f.text("transfer_id"));
            case FILE_WRITE_FAILED -> new FileWriteFailed(f.text("transfer_id"), f.text("reason"));
            case FILE_READ -> new FileRead(f.text("transfer_id"), f.text("path"), f.integer("bytes", 0, Long.MAX_VALUE), f.text("sha256"),
                    f.text("rule"));
            case APPROVAL_REQUESTED -> new ApprovalRequested(f.text("request_id"), f.text("method"), f.text("path"), f.text("body_sha256"),
                    f.instant("expires"));
            case APPROVAL_ADDED -> new ApprovalAdded(f.text("request_id"));
            case APPROVAL_EXPIRED -> new ApprovalExpired(f.text("request_id"), f.texts(APPROVED_BY));
            case OWNERS_CHANGED -> {
                List<OwnerKey> added = new ArrayList<>();
                for (Fields key : f.objects("added")) {
                    added.add(new OwnerKey(key.text("key_id"), key.text("public_key")));
                    key.done();
                }
                int threshold = (int) f.integer("threshold", 1, Integer.MAX_VALUE);
                yield new OwnersChanged(added, f.texts("removed"), threshold, approvedBy(f), ownersEntry(f));
            }
            default -> throw new IllegalArgumentException(kind + " is not a shielding kind");
        };
    }

    /** The logged policy, which must hash to the logged SHA-256: an entry cannot say one policy and hash another. */
    private static ShieldPolicy policy(Fields f) throws MalformedPayloadException {
        ShieldPolicy policy = PolicyCodec.decode(f.where() + ".policy", f.object("policy").node());
        if (!PolicyCodec.sha256(policy).equals(f.peekText("sha256"))) {
            throw f.malformed("sha256", "is not the SHA-256 of the policy logged with it");
        }
        return policy;
    }
}
