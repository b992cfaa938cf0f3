package dev.duet.protocol.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.attestation.Check;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.MalformedEntryException;
import dev.duet.log.note.Checkpoint;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.KeyFormatException;
import dev.duet.protocol.OwnerGovernance;
import dev.duet.protocol.entry.MalformedPayloadException;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A bundle's {@code owners} member (guarantees 2 and 4): entry 0, the owner registration naming this
 * controller's key, and every {@code owners.changed} entry up to the checkpoint, each proved
 * included in it, read into the owners in force along the log ({@link OwnerGovernance}).
 */
final class BundleOwners {
    /** The owner keys entry 0 registered, and the owners along the log when they could be read. */
    record Read(List<Payload.OwnerKey> registered, Optional<OwnerGovernance> governance) {}

    private BundleOwners() {}

    /** Entry 0: the owner registration, proved in the checkpoint, naming this controller's key. */
    static Read read(JsonNode owners, Ed25519PublicKey key, Checkpoint checkpoint, GradedChecks checks) {
        LogEntry entry;
        Payload.OwnerRegistered registration;
        try {
            entry = EntryCodec.fromJson(owners.path("entry"));
            Payload decoded = PayloadCodec.decode(entry.kind(), owners.path("entry").path("payload"));
            if (entry.seq() != 0 || !(decoded instanceof Payload.OwnerRegistered r)) {
                checks.fail(Guarantee.COMPLETE_HISTORY, "owners", "the bundle's entry 0 is not log entry 0's owner registration");
                return new Read(List.of(), Optional.empty());
            }
            registration = r;
        } catch (MalformedEntryException | MalformedPayloadException e) {
            checks.fail(Guarantee.COMPLETE_HISTORY, "owners", "the bundle's entry 0 is malformed: " + e.getMessage());
            return new Read(List.of(), Optional.empty());
        }
        checks.add(Guarantee.COMPLETE_HISTORY, BundleVerifier.inclusion("owners", entry, owners.path("inclusion"), checkpoint));
        boolean ours = registration.controllerKeyId().equals(key.keyId());
        checks.add(Guarantee.SIGNED_BY_CONTROLLER, Check.of(ours, "owners.controller", "key " + key.keyId(),
                "key " + registration.controllerKeyId(), ours ? "entry 0 registers the owners with this controller's key"
                        : "entry 0 belongs to another controller's log"));
        for (Payload.OwnerKey owner : registration.ownerKeys()) {
            try {
                if (!Ed25519PublicKey.parseBase64(owner.publicKey()).keyId().equals(owner.keyId())) {
                    checks.fail(Guarantee.COMPLETE_HISTORY, "owners", "entry 0 lists key id " + owner.keyId() + " for another key");
                }
            } catch (KeyFormatException e) {
                checks.fail(Guarantee.COMPLETE_HISTORY, "owners", "entry 0 lists an owner key that is not an Ed25519 key");
            }
        }
        return new Read(registration.ownerKeys(), governance(registration, owners.path("changes"), checkpoint, checks));
    }

    /**
     * The owners in force along the log (issue 12): entry 0 and every {@code owners.changed}
     * entry the controller lists up to its checkpoint, each proved included in it.
     */
    private static Optional<OwnerGovernance> governance(Payload.OwnerRegistered registration, JsonNode changes, Checkpoint checkpoint,
            GradedChecks checks) {
        List<OwnerGovernance.Change> read = new ArrayList<>();
        // A list, or missing: the bundle's shape refused anything else before this is read.
        for (JsonNode change : changes) {
            try {
                LogEntry entry = EntryCodec.fromJson(change.path("entry"));
                Payload decoded = PayloadCodec.decode(entry.kind(), change.path("entry").path("payload"));
                if (!(decoded instanceof Payload.OwnersChanged c) || entry.subject().isPresent()
                        || BundleVerifier.PROVED_ENTRY.unknownMember(change).isPresent()) {
                    checks.fail(Guarantee.COMPLETE_HISTORY, "owners.changes", "entry " + entry.seq() + " is not a log-wide owner change");
                    return Optional.empty();
                }
                checks.add(Guarantee.COMPLETE_HISTORY, BundleVerifier.inclusion("owners.changes", entry, change.path("inclusion"),
                        checkpoint));
                read.add(new OwnerGovernance.Change(entry.seq(), entry.actor(), c));
            } catch (MalformedEntryException | MalformedPayloadException e) {
                checks.fail(Guarantee.COMPLETE_HISTORY, "owners.changes", "an owner change is malformed: " + e.getMessage());
                return Optional.empty();
            }
        }
        OwnerGovernance.Result result = OwnerGovernance.of(registration, read);
        result.problem().ifPresent(p -> checks.fail(Guarantee.COMPLETE_HISTORY, "owners.changes", p));
        return result.governance();
    }
}
