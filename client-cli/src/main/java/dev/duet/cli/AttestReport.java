package dev.duet.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.LevelMatch;
import dev.duet.attestation.collateral.TcbAssessment;
import dev.duet.attestation.collateral.TcbStatus;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** An attestation verdict as {@code duet attest verify} reports it: every check, the platform facts, the outcome (docs/attestation.md). */
final class AttestReport {
    /** How a TDX/SGX part that is below every TCB level Intel lists is named in JSON (Intel has no status for it). */
    private static final String NO_MATCHING_LEVEL = "NoMatchingTcbLevel";

    private AttestReport() {}

    static ObjectNode json(Verdict verdict, Instant when) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("evidence", verdict.evidence());
        node.put("kind", verdict.kind().wire());
        node.put("at", when.toString());
        node.put("accepted", verdict.accepted());
        if (verdict.platform() instanceof Verdict.Amd amd) {
            amd.product().ifPresent(product -> node.put("product", product.kdsName()));
            amd.reportedTcb().ifPresent(tcb -> node.set("reportedTcb", EvidenceFields.fields(tcb)));
        } else if (verdict.platform() instanceof Verdict.Intel intel) {
            intel.fmspc().ifPresent(fmspc -> node.put("fmspc", fmspc.hex()));
            node.put("paddingBytes", intel.paddingBytes());
            intel.tcb().ifPresent(tcb -> node.set("tcb", tcb(tcb)));
        }
        node.set("checks", CheckReport.json(verdict.checks()));
        return node;
    }

    static void text(Verdict verdict, Instant when, PrintWriter out) {
        out.println(verdict.evidence() + " at " + when);
        for (Check check : verdict.checks()) {
            out.println("  " + check.describe());
        }
        if (verdict.platform() instanceof Verdict.Intel intel && intel.tcb().isPresent()) {
            TcbAssessment tcb = intel.tcb().get();
            Set<String> advisories = advisories(tcb);
            out.println("TCB " + status(tcb) + intel.fmspc().map(f -> " (FMSPC " + f.hex() + ")").orElse("")
                    + (advisories.isEmpty() ? "" : ", advisories: " + String.join(", ", advisories)));
        }
        out.println(verdict.accepted() ? "ACCEPTED" : "REJECTED: " + verdict.failures().size() + " check"
                + (verdict.failures().size() == 1 ? "" : "s") + " failed");
        out.flush();
    }

    /** The TCB evaluation as fields of its own: overall status, advisories (sorted, once each) and each part. */
    private static ObjectNode tcb(TcbAssessment tcb) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("status", status(tcb));
        ArrayNode advisories = node.putArray("advisoryIds");
        advisories(tcb).forEach(advisories::add);
        node.put("evaluationDataNumber", tcb.tcbEvaluationDataNumber());
        node.set("platform", level(tcb.platform()));
        tcb.module().ifPresent(module -> node.set("tdxModule", level(module)));
        node.set("qe", level(tcb.qe()));
        return node;
    }

    private static String status(TcbAssessment tcb) {
        return tcb.overall().map(TcbStatus::wire).orElse(NO_MATCHING_LEVEL);
    }

    private static Set<String> advisories(TcbAssessment tcb) {
        Set<String> all = new TreeSet<>();
        List<LevelMatch> parts = new ArrayList<>(List.of(tcb.platform(), tcb.qe()));
        tcb.module().ifPresent(parts::add);
        for (LevelMatch part : parts) {
            if (part instanceof LevelMatch.Matched matched) {
                all.addAll(matched.advisoryIds());
            }
        }
        return all;
    }

    private static ObjectNode level(LevelMatch match) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        if (match instanceof LevelMatch.Matched matched) {
            node.put("status", matched.status().wire());
            matched.tcbDate().ifPresent(date -> node.put("tcbDate", date.toString()));
            ArrayNode advisories = node.putArray("advisoryIds");
            matched.advisoryIds().forEach(advisories::add);
        } else {
            node.put("status", NO_MATCHING_LEVEL);
            node.put("reason", ((LevelMatch.NoMatchingLevel) match).reason());
        }
        return node;
    }
}
