package dev.duet.attestation.collateral;

import java.time.Instant;
import java.util.List;

/**
 * One level of a TCB Info: the minimum SVNs (SGX components, PCESVN and, for TDX, the TEE_TCB_SVN
 * components) and the status a platform at or above them has.
 */
public record TcbLevel(List<Integer> sgxComponents, int pceSvn, List<Integer> tdxComponents, Instant tcbDate,
        TcbStatus status, List<String> advisoryIds) {
    public TcbLevel {
        sgxComponents = List.copyOf(sgxComponents);
        tdxComponents = List.copyOf(tdxComponents);
        advisoryIds = List.copyOf(advisoryIds);
    }
}
