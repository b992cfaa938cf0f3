package dev.duet.attestation;

import dev.duet.attestation.azure.AzureEvidenceParser;
import dev.duet.attestation.azure.VtpmHostKeyBinding;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What a controller asks a CVM to put in REPORT_DATA for a fresh report (DESIGN §3.6, §4): the
 * CVM's SSH host key, the nonce it was asked for, and the head of the CVM's log at that moment.
 * SHA-512 over, in order:
 * <ol>
 *   <li>the label {@code "duet cvm fresh evidence v1\0"} (27 bytes, ASCII, ending in one zero byte),</li>
 *   <li>the host key blob's length as an unsigned 32-bit big-endian integer, then the blob (the
 *       key's SSH wire encoding: the base64 part of its OpenSSH line, decoded),</li>
 *   <li>the log size as an unsigned 64-bit big-endian integer: how many entries the CVM's own chain
 *       holds (the state's {@code cvm_log.size}),</li>
 *   <li>the log head: the 32-byte SHA-256 entry hash of the CVM's last entry (the state's
 *       {@code cvm_log.head}; 32 zero bytes for an empty chain),</li>
 *   <li>the nonce as UTF-8, unframed: it is the last field.</li>
 * </ol>
 * The label keeps such a report from ever meaning a launch binding ({@link SshHostKeyBinding}) or a
 * controller's ({@link ControllerKeyBinding}); the lengths keep the fields apart. A report bound
 * this way says that the machine holding the host key answered after the log reached that head,
 * for this nonce: an older report (another nonce) is stale, one bound to an earlier head is
 * replayed. The one definition, shared by the controller and every verifier. Appraisal of the
 * report itself (signature, chain, TCB, measurement) stays with {@link AttestationVerifier}.
 *
 * <p>Azure vTPM evidence carries the binding in its quote's qualifying data, a TPM2B_DATA of at most
 * the TPM's largest digest: 64 bytes may not fit. There the same fields, in the same order, go into
 * SHA-256 under their own label, {@code "duet cvm fresh vtpm evidence v1\0"} (32 bytes, ending in one
 * zero byte), so that neither binding can stand for the other ({@link #vtpmQualifyingData}).
 */
public final class CvmFreshBinding {
    public static final String CHECK = "cvm.fresh-binding";
    private static final byte[] LABEL = "duet cvm fresh evidence v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VTPM_LABEL = "duet cvm fresh vtpm evidence v1\0".getBytes(StandardCharsets.US_ASCII);

    private CvmFreshBinding() {}

    /** The head of a CVM's own chain of entries: how many there are, and the hash of the last. */
    public record LogHead(long size, Octets hash) {
        public LogHead {
            if (size < 0 || hash.length() != 32) {
                throw new IllegalArgumentException("a log head is a size from 0 and a 32-byte hash");
            }
        }
    }

    /**
     * How many bytes the binding of fresh evidence from {@code evidenceSource} has: 32 for Azure vTPM
     * evidence, bound through a quote's qualifying data ({@link #vtpmQualifyingData}), 64 otherwise.
     */
    public static int bindingLength(String evidenceSource) {
        return VtpmHostKeyBinding.isVtpm(evidenceSource) ? 32 : 64;
    }

    public static Octets reportData(byte[] hostKeyBlob, String nonce, LogHead head) {
        return digest("SHA-512", LABEL, hostKeyBlob, nonce, head);
    }

    /** The binding for a vTPM quote's qualifying data: the same fields under SHA-256 and the vTPM label. */
    public static Octets vtpmQualifyingData(byte[] hostKeyBlob, String nonce, LogHead head) {
        return digest("SHA-256", VTPM_LABEL, hostKeyBlob, nonce, head);
    }

    private static Octets digest(String algorithm, byte[] label, byte[] hostKeyBlob, String nonce, LogHead head) {
        try {
            MessageDigest digest = MessageDigest.getInstance(algorithm);
            digest.update(label);
            digest.update(ByteBuffer.allocate(4).putInt(hostKeyBlob.length).array());
            digest.update(hostKeyBlob);
            digest.update(ByteBuffer.allocate(8).putLong(head.size()).array());
            digest.update(head.hash().toByteArray());
            digest.update(nonce.getBytes(StandardCharsets.UTF_8));
            return Octets.copyOf(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256 and SHA-512", e);
        }
    }

    /**
     * Whether {@code evidence} (an SEV-SNP report or a DCAP quote, or Azure's evidence JSON) carries
     * the REPORT_DATA (for Azure: the vTPM quote's qualifying data) that binds {@code hostKeyBlob},
     * {@code nonce} and {@code head}. Only the binding: a report that passes here must still be
     * appraised. Total: unreadable evidence is a failed check, never an exception.
     */
    public static Check verify(Octets evidence, byte[] hostKeyBlob, String nonce, LogHead head) {
        boolean vtpm = AzureEvidenceParser.looksLikeJson(evidence.toByteArray());
        Octets expected = vtpm ? vtpmQualifyingData(hostKeyBlob, nonce, head) : reportData(hostKeyBlob, nonce, head);
        String field = vtpm ? "vTPM quote qualifying data " : "REPORT_DATA ";
        Octets actual;
        try {
            actual = vtpm ? AzureEvidenceParser.parseJson(evidence.toByteArray()).quote().extraData()
                    : Evidence.parse(evidence.toByteArray()).reportData();
        } catch (MalformedEvidenceException e) {
            return Check.fail(CHECK, "the fresh evidence cannot be read: " + e.getMessage());
        }
        boolean bound = actual.equals(expected);
        return Check.of(bound, CHECK, field + expected.hex(), field + actual.hex(), bound
                ? "binds the CVM's host key, the nonce " + nonce + " and its log head at size " + head.size()
                : "stale, replayed or another machine's: the report does not bind the CVM's host key, the nonce " + nonce
                        + " and its log head at size " + head.size());
    }
}
