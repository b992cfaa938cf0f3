package dev.duet.log.note;

/** Signs the log's checkpoints: its origin, the matching note verifier key, and Ed25519 signing. */
public interface CheckpointSigner {
    String origin();

    NoteVerifierKey verifierKey();

    byte[] sign(byte[] message);
}
