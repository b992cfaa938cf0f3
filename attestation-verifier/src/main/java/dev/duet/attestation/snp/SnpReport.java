package dev.duet.attestation.snp;

import dev.duet.attestation.Octets;
import java.util.Optional;

/**
 * An SEV-SNP ATTESTATION_REPORT (SEV-SNP ABI specification 56860, table "ATTESTATION_REPORT"),
 * versions 2 to 5, every field as the firmware wrote it. TCB fields stay raw because their layout
 * depends on the product line; {@link #cpuid()} is present from version 3 on.
 */
public record SnpReport(
        int version,
        long guestSvn,
        GuestPolicy policy,
        Octets familyId,
        Octets imageId,
        long vmpl,
        long signatureAlgorithm,
        long currentTcb,
        long platformInfo,
        long signerInfo,
        Octets reportData,
        Octets measurement,
        Octets hostData,
        Octets idKeyDigest,
        Octets authorKeyDigest,
        Octets reportId,
        Octets reportIdMa,
        long reportedTcb,
        Optional<Cpuid> cpuid,
        Octets chipId,
        long committedTcb,
        FirmwareVersion current,
        FirmwareVersion committed,
        long launchTcb,
        long launchMitVector,
        long currentMitVector,
        Octets signedBytes,
        Octets signatureR,
        Octets signatureS,
        Reserved reserved) {

    public static final int SIZE = 0x4A0;
    public static final int SIGNED_LENGTH = 0x2A0;

    /** CPUID family, model and stepping of the chip (report version 3 and later). */
    public record Cpuid(int family, int model, int stepping) {}

    public record FirmwareVersion(int major, int minor, int build) {
        @Override
        public String toString() {
            return major + "." + minor + "." + build;
        }
    }

    /**
     * The signer word at 0x48 decoded: which key signed (SIGNING_KEY, bits 4:2), whether the chip id
     * is masked (MASK_CHIP_KEY, bit 1) and whether an author key signed the ID block (AUTHOR_KEY_EN,
     * bit 0).
     */
    public record Signer(long raw, String signingKey, boolean maskChipId, boolean authorKeyEnabled) {}

    public Signer signer() {
        return new Signer(signerInfo, signingKey().map(SigningKey::name).orElse("reserved (" + signingKeyCode() + ")"),
                chipIdMasked(), authorKeyEnabled());
    }

    /** Whether the must-be-zero regions and bits hold only zeros (a conforming firmware guarantees it). */
    public record Reserved(boolean signerInfoHighBitsZero, boolean areasZero, boolean signatureTailZero) {}

    /** R ‖ S, 48 bytes each, big-endian: the signature as ECDSA verifiers take it. */
    public byte[] signatureRs() {
        byte[] rs = new byte[96];
        System.arraycopy(signatureR.toByteArray(), 0, rs, 0, 48);
        System.arraycopy(signatureS.toByteArray(), 0, rs, 48, 48);
        return rs;
    }

    public boolean authorKeyEnabled() {
        return (signerInfo & 1) == 1;
    }

    public boolean chipIdMasked() {
        return (signerInfo >>> 1 & 1) == 1;
    }

    public int signingKeyCode() {
        return (int) (signerInfo >>> 2 & 0x7);
    }

    public Optional<SigningKey> signingKey() {
        return SigningKey.fromCode(signingKeyCode());
    }

    /** The product line named by the report itself (version 3+), if it is one this verifier knows. */
    public Optional<SnpProduct> productFromCpuid() {
        return cpuid.flatMap(id -> SnpProduct.fromCpuid(id.family(), id.model()));
    }
}
