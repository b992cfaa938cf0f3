package dev.duet.attestation.azure;

import dev.duet.attestation.LittleEndian;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.intel.TdReport;
import java.util.List;
import java.util.Optional;

/**
 * A TDREPORT_STRUCT (Intel TDX Module ABI, TDG.MR.REPORT): REPORTMACSTRUCT (256 bytes: report type,
 * CPUSVN, the SHA-384 of TEE_TCB_INFO and of TDINFO, REPORTDATA, MAC), TEE_TCB_INFO (256) and
 * TDINFO (512). Its MAC can only be checked by the CPU that made it (TDG.MR.VERIFYREPORT), so off
 * the platform it is trusted only through a quote that carries the same body.
 */
public record TdReportStruct(
        Octets reportType,
        Octets cpuSvn,
        Octets teeTcbInfoHash,
        Octets teeInfoHash,
        Octets mac,
        Octets teeTcbInfo,
        Octets tdInfo,
        TdReport body) {

    public static final int SIZE = 1024;
    /** The bytes of TEE_TCB_INFO that TEE_TCB_INFO_HASH covers (the rest is reserved). */
    public static final int TEE_TCB_INFO_HASHED = 239;

    public Octets reportData() {
        return body.reportData();
    }

    static TdReportStruct parse(byte[] bytes) throws MalformedEvidenceException {
        LittleEndian in = new LittleEndian(bytes, "TD report");
        int tcb = 256;
        int info = 512;
        TdReport body = new TdReport(
                in.octets(tcb + 8, 16, "TEE_TCB_SVN"),
                in.octets(tcb + 24, 48, "MRSEAM"),
                in.octets(tcb + 72, 48, "MRSIGNERSEAM"),
                in.octets(tcb + 120, 8, "ATTRIBUTES"),
                in.octets(info, 8, "TDATTRIBUTES"),
                in.octets(info + 8, 8, "XFAM"),
                in.octets(info + 16, 48, "MRTD"),
                in.octets(info + 64, 48, "MRCONFIGID"),
                in.octets(info + 112, 48, "MROWNER"),
                in.octets(info + 160, 48, "MROWNERCONFIG"),
                List.of(in.octets(info + 208, 48, "RTMR0"), in.octets(info + 256, 48, "RTMR1"),
                        in.octets(info + 304, 48, "RTMR2"), in.octets(info + 352, 48, "RTMR3")),
                in.octets(128, 64, "REPORTDATA"),
                Optional.empty(),
                Optional.empty());
        return new TdReportStruct(
                in.octets(0, 4, "REPORTTYPE"),
                in.octets(16, 16, "CPUSVN"),
                in.octets(32, 48, "TEE_TCB_INFO_HASH"),
                in.octets(80, 48, "TEE_INFO_HASH"),
                in.octets(224, 32, "MAC"),
                in.octets(tcb, 256, "TEE_TCB_INFO"),
                in.octets(info, 512, "TDINFO"),
                body);
    }
}
