package dev.duet.attestation.intel;

import dev.duet.attestation.LittleEndian;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;

/** An SGX REPORT body (384 bytes): the attested enclave of an SGX quote, and the quoting enclave's own report. */
public record EnclaveReport(
        Octets cpuSvn,
        long miscSelect,
        Octets isvExtProdId,
        Octets attributes,
        Octets mrEnclave,
        Octets mrSigner,
        Octets configId,
        int isvProdId,
        int isvSvn,
        int configSvn,
        Octets isvFamilyId,
        Octets reportData,
        Octets raw) implements QuoteBody {

    public static final int SIZE = 384;

    static EnclaveReport parse(LittleEndian in, int at, String what) throws MalformedEvidenceException {
        return new EnclaveReport(
                in.octets(at, 16, what + " CPUSVN"),
                in.u32(at + 16, what + " MISCSELECT"),
                in.octets(at + 32, 16, what + " ISV_EXT_PROD_ID"),
                in.octets(at + 48, 16, what + " ATTRIBUTES"),
                in.octets(at + 64, 32, what + " MRENCLAVE"),
                in.octets(at + 128, 32, what + " MRSIGNER"),
                in.octets(at + 192, 64, what + " CONFIG_ID"),
                in.u16(at + 256, what + " ISVPRODID"),
                in.u16(at + 258, what + " ISVSVN"),
                in.u16(at + 260, what + " CONFIG_SVN"),
                in.octets(at + 304, 16, what + " ISV_FAMILY_ID"),
                in.octets(at + 320, 64, what + " REPORT_DATA"),
                in.octets(at, SIZE, what));
    }

    /** ATTRIBUTES.FLAGS bit 1. */
    @Override
    public boolean debug() {
        return SgxAttributes.decode(attributes).debug();
    }
}
