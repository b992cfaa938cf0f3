package dev.duet.protocol;

import java.util.List;

/** The README beside the goldens, made from their definitions so that it says what the test checks. */
final class GoldenReadme {
    private GoldenReadme() {}

    static String render(List<GoldenDocuments.Golden> goldens) {
        StringBuilder out = new StringBuilder("""
                # Golden documents for the verifiers

                Each file is what a user might hold: a signed CVM state (`state-*`, checked by
                `CvmStateVerifier` expecting CVM `%s` and nonce `%s`), a log export (`export-*`, checked by
                `LogExportVerifier`), a controller's evidence (`evidence-*`, checked by `EvidenceVerifier`
                expecting the same nonce), a v2 summary saved with its history (`saved-state-v2-*`, `duet state --out`;
                `state-v2-*` is a summary alone), or a CVM's bundle (`bundle-*`, checked by `BundleVerifier` trusting
                duet's simulated root and asking with nonce n1; `bundle-since-*` with the checkpoint of size 6 trusted;
                its verdict names each failing check with its guarantee). All are made by `GoldenDocuments` (test sources) with the real signing code
                and the fixed keys here (`controller-key.pem` is the trusted controller, `another-controller-key.pem`
                is not), then broken in one way, the one the name says. `GoldenDocumentsTest` asserts each verdict
                and fails if the generator would now write different bytes (this README included). Remake them
                after a deliberate format change with `-Dduet.golden.write=true` (see `GoldenDocumentsTest`).

                Verdicts: `trusted` / `intact` (verifies), `not trusted: <checks>` (a state whose named checks fail),
                `tampered at entry N` / `tampered: <reason>` (an export), `verified, attested` / `verified, not attested`
                (evidence that verifies, and whether hardware vouches for its key), `not verified: <checks>` (evidence
                whose named checks fail), `malformed` (bytes with a second reading: not a document the controller
                wrote). The test keys are for these tests only. Evidence is checked at 2027-06-01 with AMD's roots;
                a verdict on evidence with a report ends with the hardware checks that failed, and also gives the
                verdict for a user who trusts duet's simulated root
                (`--trust-simulated-root`). `simulated-snp-report-n1.bin` and `-n0.bin` are reports of duet's
                simulated SNP chip (cvm-provisioner `SimulatedSnp`, made once) binding the trusted controller's key
                to nonce n1 and n0, and `simulated-snp-certificates.bin` their SEV certificate table (VCEK, ASK,
                ARK); the real report is attestation-verifier's `milan_v3_oak` test vector. The `evidence-v2-*`
                files name the controller's TLS key too (attested transport: REPORT_DATA binding version 2, over the
                signing key, the TLS key and the nonce): `controller-tls-key.pub.pem` is the trusted controller's TLS
                key, `another-tls-key.pub.pem` is not; `simulated-snp-v2-report-n1.bin` binds the trusted controller's
                signing key and TLS key to nonce n1, under another simulated chip, whose table is
                `simulated-snp-v2-certificates.bin` (a user trusting the simulated root names that chip's ARK).

                | File | What is wrong with it | Verdict |
                |---|---|---|
                """.formatted(GoldenDocuments.CVM, GoldenDocuments.NONCE));
        goldens.forEach(g -> out.append("| `").append(g.file()).append("` | ").append(g.wrong()).append(" | `").append(g.verdict())
                .append("` |\n"));
        return out.toString();
    }
}
