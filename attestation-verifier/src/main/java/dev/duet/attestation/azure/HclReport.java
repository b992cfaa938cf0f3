package dev.duet.attestation.azure;

import dev.duet.attestation.Octets;
import dev.duet.attestation.snp.SnpReport;

/**
 * An HCL report: what Azure's paravisor (the HCL, running inside the TEE beneath the guest) writes
 * into the vTPM's NV index 0x01400001. Layout as {@code az-cvm-vtpm}'s {@code hcl} module reads it:
 * a 32-byte attestation header ("HCLA", version, report size, request type, status, reserved), a
 * 1,184-byte hardware report area (an SNP report, or a 1,024-byte TD report and zeros), then the
 * IGVM request data (data size, version, report type, hash type, variable data size) and the
 * variable data: the runtime claims, whose digest under {@code hashType} the hardware report carries
 * in its report data.
 */
public record HclReport(
        int version,
        long reportSize,
        long requestType,
        Hardware hardware,
        HashType hashType,
        RuntimeClaims claims,
        int paddingBytes) {

    public static final int HEADER_SIZE = 32;
    public static final int HARDWARE_AREA = 1184;
    public static final int REQUEST_DATA_OFFSET = HEADER_SIZE + HARDWARE_AREA;
    public static final int REQUEST_DATA_HEADER = 20;
    public static final int CLAIMS_OFFSET = REQUEST_DATA_OFFSET + REQUEST_DATA_HEADER;

    /** The hardware report inside: an SEV-SNP attestation report or a TDX TD report. */
    public sealed interface Hardware {
        String name();

        /** The 64 bytes the HCL asked the hardware to bind (REPORT_DATA / REPORTDATA). */
        Octets reportData();
    }

    public record Snp(SnpReport report) implements Hardware {
        @Override
        public String name() {
            return "SEV-SNP report v" + report.version();
        }

        @Override
        public Octets reportData() {
            return report.reportData();
        }
    }

    public record Tdx(TdReportStruct report) implements Hardware {
        @Override
        public String name() {
            return "TDX TD report";
        }

        @Override
        public Octets reportData() {
            return report.reportData();
        }
    }

    /** IGVM_HASH_TYPE: how the runtime claims are hashed into the report data. */
    public enum HashType {
        SHA256(1, "SHA-256"),
        SHA384(2, "SHA-384"),
        SHA512(3, "SHA-512");

        private final int code;
        private final String jca;

        HashType(int code, String jca) {
            this.code = code;
            this.jca = jca;
        }

        public int code() {
            return code;
        }

        public String jca() {
            return jca;
        }
    }
}
