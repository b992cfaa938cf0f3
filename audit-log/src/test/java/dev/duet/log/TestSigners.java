package dev.duet.log;

import dev.duet.log.note.CheckpointSigner;
import dev.duet.log.note.NoteVerifierKey;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.function.UnaryOperator;

/** Ed25519 signing for tests, with the JDK provider. */
public final class TestSigners {
    private TestSigners() {}

    public static UnaryOperator<byte[]> ed25519(PrivateKey key) {
        return message -> {
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(key);
                s.update(message);
                return s.sign();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    public static CheckpointSigner checkpointSigner(String origin, KeyPair pair) {
        NoteVerifierKey key = NoteVerifierKey.fromSpki(origin, pair.getPublic().getEncoded());
        UnaryOperator<byte[]> sign = ed25519(pair.getPrivate());
        return new CheckpointSigner() {
            @Override
            public String origin() {
                return origin;
            }

            @Override
            public NoteVerifierKey verifierKey() {
                return key;
            }

            @Override
            public byte[] sign(byte[] message) {
                return sign.apply(message);
            }
        };
    }
}
