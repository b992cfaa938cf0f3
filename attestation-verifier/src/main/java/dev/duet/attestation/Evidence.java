package dev.duet.attestation;

import dev.duet.attestation.intel.EnclaveReport;
import dev.duet.attestation.intel.Quote;
import dev.duet.attestation.intel.QuoteBody;
import dev.duet.attestation.intel.QuoteParser;
import dev.duet.attestation.intel.TdReport;
import dev.duet.attestation.snp.SnpReport;
import dev.duet.attestation.snp.SnpReportParser;

/** Evidence of any supported kind, recognised from its first bytes. */
public sealed interface Evidence {
    record Snp(SnpReport report) implements Evidence {}

    record Dcap(Quote quote) implements Evidence {}

    /** The 64 bytes the guest or enclave asked to have bound into this evidence (REPORT_DATA). */
    default Octets reportData() {
        if (this instanceof Snp snp) {
            return snp.report().reportData();
        }
        QuoteBody body = ((Dcap) this).quote().body();
        return body instanceof TdReport td ? td.reportData() : ((EnclaveReport) body).reportData();
    }

    /**
     * An SNP report starts with a small u32 version (2 to 5); a DCAP quote with a u16 version (3 to 5)
     * followed by attestation key type 2, which read as a u32 is far larger.
     */
    static Evidence parse(byte[] bytes) throws MalformedEvidenceException {
        LittleEndian in = new LittleEndian(bytes, "evidence");
        long first = in.u32(0, "version");
        if (first >= 2 && first <= 5) {
            return new Snp(SnpReportParser.parse(bytes));
        }
        int version = (int) (first & 0xffff);
        if (version >= 3 && version <= 5 && first >>> 16 == 2) {
            return new Dcap(QuoteParser.parse(bytes));
        }
        throw new MalformedEvidenceException("neither an SEV-SNP report (version 2-5) nor a DCAP quote "
                + "(version 3-5, ECDSA P-256): the first word is 0x" + Long.toHexString(first));
    }
}
