package dev.duet.attestation.snp;

import dev.duet.attestation.LittleEndian;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import java.util.Optional;

/**
 * Turns exactly 1,184 bytes into an {@link SnpReport}; total: any other input is a
 * {@link MalformedEvidenceException}. Bytes after the report are refused, not ignored: the firmware
 * returns the report alone, and nothing after it is signed.
 */
public final class SnpReportParser {
    private SnpReportParser() {}

    public static SnpReport parse(byte[] bytes) throws MalformedEvidenceException {
        if (bytes.length < SnpReport.SIZE) {
            throw new MalformedEvidenceException("an SNP attestation report has " + SnpReport.SIZE + " bytes; this has "
                    + bytes.length);
        }
        if (bytes.length > SnpReport.SIZE) {
            int extra = bytes.length - SnpReport.SIZE;
            throw new MalformedEvidenceException("an SNP attestation report has " + SnpReport.SIZE + " bytes; this has "
                    + bytes.length + ": " + extra + (extra == 1 ? " byte" : " bytes") + " after the report, which no "
                    + "signature covers");
        }
        LittleEndian in = new LittleEndian(bytes, "SNP report");
        int version = (int) in.u32(0x000, "VERSION");
        if (version < 2 || version > 5) {
            throw new MalformedEvidenceException("SNP report version " + Integer.toUnsignedString(version)
                    + " is not supported (2 to 5 are)");
        }
        Optional<SnpReport.Cpuid> cpuid = version >= 3
                ? Optional.of(new SnpReport.Cpuid(in.u8(0x188, "CPUID_FAM_ID"), in.u8(0x189, "CPUID_MOD_ID"),
                        in.u8(0x18A, "CPUID_STEP")))
                : Optional.empty();
        long signerInfo = in.u32(0x048, "signer info");
        boolean areasZero = zero(bytes, 0x04C, 0x050) && zero(bytes, version >= 3 ? 0x18B : 0x188, 0x1A0)
                && zero(bytes, 0x1EB, 0x1EC) && zero(bytes, 0x1EF, 0x1F0)
                && zero(bytes, version >= 5 ? 0x208 : 0x1F8, SnpReport.SIGNED_LENGTH);
        boolean signatureTailZero = zero(bytes, 0x2A0 + 48, 0x2A0 + 72) && zero(bytes, 0x2E8 + 48, 0x2E8 + 72)
                && zero(bytes, 0x2A0 + 144, SnpReport.SIZE);
        SnpReport.Reserved reserved = new SnpReport.Reserved((signerInfo & ~0x1FL) == 0, areasZero, signatureTailZero);
        return new SnpReport(
                version,
                in.u32(0x004, "GUEST_SVN"),
                new GuestPolicy(in.u64(0x008, "POLICY")),
                in.octets(0x010, 16, "FAMILY_ID"),
                in.octets(0x020, 16, "IMAGE_ID"),
                in.u32(0x030, "VMPL"),
                in.u32(0x034, "SIGNATURE_ALGO"),
                in.u64(0x038, "CURRENT_TCB"),
                in.u64(0x040, "PLATFORM_INFO"),
                signerInfo,
                in.octets(0x050, 64, "REPORT_DATA"),
                in.octets(0x090, 48, "MEASUREMENT"),
                in.octets(0x0C0, 32, "HOST_DATA"),
                in.octets(0x0E0, 48, "ID_KEY_DIGEST"),
                in.octets(0x110, 48, "AUTHOR_KEY_DIGEST"),
                in.octets(0x140, 32, "REPORT_ID"),
                in.octets(0x160, 32, "REPORT_ID_MA"),
                in.u64(0x180, "REPORTED_TCB"),
                cpuid,
                in.octets(0x1A0, 64, "CHIP_ID"),
                in.u64(0x1E0, "COMMITTED_TCB"),
                new SnpReport.FirmwareVersion(in.u8(0x1EA, "CURRENT_MAJOR"), in.u8(0x1E9, "CURRENT_MINOR"),
                        in.u8(0x1E8, "CURRENT_BUILD")),
                new SnpReport.FirmwareVersion(in.u8(0x1EE, "COMMITTED_MAJOR"), in.u8(0x1ED, "COMMITTED_MINOR"),
                        in.u8(0x1EC, "COMMITTED_BUILD")),
                in.u64(0x1F0, "LAUNCH_TCB"),
                version >= 5 ? in.u64(0x1F8, "LAUNCH_MIT_VECTOR") : 0,
                version >= 5 ? in.u64(0x200, "CURRENT_MIT_VECTOR") : 0,
                in.octets(0, SnpReport.SIGNED_LENGTH, "signed part"),
                reversed(in.slice(0x2A0, 48, "SIGNATURE R")),
                reversed(in.slice(0x2E8, 48, "SIGNATURE S")),
                reserved);
    }

    private static boolean zero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** The report stores R and S little-endian; everything else wants them big-endian. */
    private static Octets reversed(byte[] littleEndian) {
        byte[] big = new byte[littleEndian.length];
        for (int i = 0; i < big.length; i++) {
            big[i] = littleEndian[littleEndian.length - 1 - i];
        }
        return Octets.copyOf(big);
    }
}
