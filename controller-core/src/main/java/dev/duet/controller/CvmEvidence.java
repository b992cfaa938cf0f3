package dev.duet.controller;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.Octets;
import dev.duet.controller.internal.CvmRegistry;
import dev.duet.protocol.FreshCvmEvidence;
import java.util.Optional;
import java.util.OptionalLong;

/** What a bundle asked with a nonce says of the CVM now ({@code cvm_evidence}): its fresh report, or why it has none. */
sealed interface CvmEvidence {
    /** Whether this still describes the CVM as the snapshot has it. */
    boolean holdsFor(CvmRegistry.CvmRow row, StateSummaries.Folded folded);

    void write(ObjectNode cvmEvidence);

    /** Bound to the CVM's head when it was made: it holds only while that is the head. */
    record Fresh(FreshCvmEvidence report) implements CvmEvidence {
        @Override
        public boolean holdsFor(CvmRegistry.CvmRow row, StateSummaries.Folded folded) {
            return report.logHead().equals(new CvmFreshBinding.LogHead(folded.count(), Octets.copyOf(folded.head().toByteArray())));
        }

        @Override
        public void write(ObjectNode cvmEvidence) {
            cvmEvidence.set("fresh", FreshCvmEvidence.toJson(report));
        }
    }

    /** An adopted machine never has one; a CVM the controller created has none only while it is not running. */
    record Unavailable(String reason) implements CvmEvidence {
        @Override
        public boolean holdsFor(CvmRegistry.CvmRow row, StateSummaries.Folded folded) {
            return row.provider() == ProviderKind.SSH || !row.mode().isOperational();
        }

        @Override
        public void write(ObjectNode cvmEvidence) {
            cvmEvidence.put("fresh_unavailable", reason);
        }
    }

    /** Asks the CVM for a fresh report bound to its host key, a nonce and its log head now. */
    @FunctionalInterface
    interface Source {
        FreshCvmEvidence report(String id, String nonce) throws ControllerException;
    }

    /**
     * The CVM's bundle; without a nonce, without {@code cvm_evidence}, as nothing can be fresh. With
     * one: the CVM's fresh report (or why it can give none: a {@code conflict},
     * adopted over SSH or not running; busy and failed reports are refused as such) taken first, then
     * the bundle composed from one snapshot whose CVM head must be the one the report binds. If the
     * CVM's log moved in between, once more, then 503 with Retry-After: a bundle never carries a
     * report of another head than its history ends at.
     */
    static ObjectNode bundle(StateComposer reads, Source fresh, String id, Optional<String> nonce, OptionalLong since)
            throws ControllerException {
        if (nonce.isEmpty()) {
            return reads.bundle(id, nonce, since, Optional.empty()).orElseThrow();
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            CvmEvidence evidence;
            try {
                evidence = new Fresh(fresh.report(id, nonce.get()));
            } catch (ControllerException e) {
                if (e.kind() != ControllerException.Kind.CONFLICT) {
                    throw e;
                }
                evidence = new Unavailable(e.getMessage());
            }
            Optional<ObjectNode> bundle = reads.bundle(id, nonce, since, Optional.of(evidence));
            if (bundle.isPresent()) {
                return bundle.get();
            }
        }
        throw ControllerException.cvmLogMoved(id, FreshEvidence.RETRY);
    }
}
