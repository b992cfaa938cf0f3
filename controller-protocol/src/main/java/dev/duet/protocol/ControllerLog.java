package dev.duet.protocol;

import dev.duet.log.note.CheckpointSigner;
import dev.duet.log.note.NoteVerifierKey;

/**
 * How a controller's log is named: its checkpoints' origin is {@code duet.controller/<key id>} and
 * they are signed by the controller's Ed25519 key as a signed-note key of that name. Anyone who
 * trusts the controller key can derive the note verifier key from it.
 */
public final class ControllerLog {
    private ControllerLog() {}

    /** What a controller's log origin holds before the controller's key id. */
    public static final String ORIGIN_PREFIX = "duet.controller/";

    public static String origin(Ed25519PublicKey controllerKey) {
        return ORIGIN_PREFIX + controllerKey.keyId();
    }

    public static NoteVerifierKey verifierKey(Ed25519PublicKey controllerKey) {
        return NoteVerifierKey.fromSpki(origin(controllerKey), controllerKey.spki());
    }

    /** Signs this controller's checkpoints with its key. */
    public static CheckpointSigner checkpointSigner(Ed25519KeyPair controllerKey) {
        NoteVerifierKey verifierKey = verifierKey(controllerKey.publicKey());
        return new CheckpointSigner() {
            @Override
            public String origin() {
                return verifierKey.name();
            }

            @Override
            public NoteVerifierKey verifierKey() {
                return verifierKey;
            }

            @Override
            public byte[] sign(byte[] message) {
                return controllerKey.sign(message);
            }
        };
    }
}
