package dev.duet.attestation.intel;

/** What a quote attests: an SGX enclave's report or a TD's report. */
public sealed interface QuoteBody permits EnclaveReport, TdReport {
    /** Whether the enclave or TD runs in debug mode, where the host can read its memory. */
    boolean debug();
}
