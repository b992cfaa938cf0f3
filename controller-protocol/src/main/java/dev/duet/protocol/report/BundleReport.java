package dev.duet.protocol.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.DeploymentFacts;
import dev.duet.protocol.bundle.Guarantee;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * A {@link BundleVerdict} as people and CI read it (docs/policy-file.md, "Outputs"): text, one line
 * per guarantee and the failed checks under it; JSON; JUnit XML, one test case per guarantee. Each
 * output says SIMULATED when the controller's or the CVM's evidence comes from duet's simulated
 * chip, and never contradicts {@link BundleVerdict#trusted()}. Pure: strings out; every text taken
 * from a bundle (a command's argv, a CVM name) is escaped, so it cannot move a terminal's cursor or
 * break the XML.
 */
public final class BundleReport {
    /** The status of one guarantee: all its checks passed, one failed, or none ran. */
    public enum Status {
        PASS, FAIL, NOT_CHECKED;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    private static final DateTimeFormatter JUNIT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    private BundleReport() {}

    public static Status status(BundleVerdict verdict, Guarantee guarantee) {
        List<Check> checks = verdict.checksOf(guarantee);
        return checks.isEmpty() ? Status.NOT_CHECKED : checks.stream().allMatch(Check::passed) ? Status.PASS : Status.FAIL;
    }

    /** The warnings every output carries when hardware did not make the evidence; empty when it did (or nothing was established). */
    public static List<String> simulatedWarnings(BundleVerdict verdict) {
        List<String> warnings = new ArrayList<>();
        verdict.facts().ifPresent(facts -> {
            if (facts.controller().simulated()) {
                warnings.add("SIMULATED: the controller's evidence comes from duet's simulated SNP chip; it proves nothing about hardware");
            }
            if (facts.cvm().simulated()) {
                warnings.add("SIMULATED: the CVM's evidence comes from duet's simulated SNP chip; it proves nothing about hardware");
            }
        });
        return warnings;
    }

    public static String text(BundleVerdict verdict) {
        StringBuilder out = new StringBuilder();
        simulatedWarnings(verdict).forEach(w -> out.append(w).append('\n'));
        verdict.facts().ifPresentOrElse(facts -> out.append(printable(summary(facts))).append('\n'),
                () -> out.append("the bundle established no facts: every rule of the policy fails as not established\n"));
        for (Guarantee guarantee : Guarantee.values()) {
            Status status = status(verdict, guarantee);
            out.append(switch (status) {
                case PASS -> "PASS ";
                case FAIL -> "FAIL ";
                case NOT_CHECKED -> "NONE ";
            }).append(guarantee.number()).append(' ').append(guarantee.id()).append(": ")
                    .append(status == Status.NOT_CHECKED ? "no check ran for: " : "").append(guarantee.claim()).append('\n');
            for (Check check : verdict.checksOf(guarantee)) {
                if (!check.passed()) {
                    out.append("     ").append(printable(check.describe())).append('\n');
                }
            }
        }
        verdict.facts().filter(f -> f.since().isPresent()).ifPresent(facts -> {
            out.append("changes after log size ").append(facts.since().getAsLong()).append(" (").append(facts.history().size())
                    .append(facts.history().size() == 1 ? " event" : " events").append("):\n");
            facts.history().forEach(e -> out.append("     ").append(printable(change(e))).append('\n'));
        });
        int failed = verdict.failures().size();
        out.append(verdict.trusted() ? "TRUSTED" + (simulatedWarnings(verdict).isEmpty() ? "" : " (SIMULATED)")
                : "NOT TRUSTED" + (failed == 0 ? "" : " (" + failed + " failed check" + (failed == 1 ? "" : "s") + ")")).append('\n');
        return out.toString();
    }

    private static String summary(DeploymentFacts facts) {
        return "CVM " + facts.cvm().id() + " (" + facts.cvm().name() + ", " + facts.cvm().provider() + ") is " + facts.cvm().mode().wire()
                + facts.cvm().modeSince().map(m -> " since log entry " + m.seq()).orElse("")
                + (facts.cvm().commandsInService() > 0 ? " (" + facts.cvm().commandsInService()
                        + (facts.cvm().commandsInService() == 1 ? " command" : " commands") + " the policy allows in-service ran since)" : "")
                + (facts.cvm().policy().version() > 0 ? "; policy version " + facts.cvm().policy().version() + " sha256 "
                        + facts.cvm().policy().sha256() : "")
                + "; controller key "
                + facts.controller().keyId() + " (" + facts.controller().tee().wire() + "); bundle issued " + facts.issuedAt()
                + ", log size " + facts.checkpoint().size();
    }

    /**
     * The JSON report: {@code trusted}, {@code checked_at}, {@code simulated} (the warnings, empty
     * when none), {@code facts} (null when the bundle established none) and {@code guarantees}, one
     * object per guarantee in order with {@code number, id, claim, status, checks}; a check is
     * {@code id, passed, expected, actual, reason}, as in every other duet report.
     */
    public static ObjectNode json(BundleVerdict verdict, Instant checkedAt) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode out = json.objectNode().put("trusted", verdict.trusted()).put("checked_at", checkedAt.toString());
        ArrayNode simulated = out.putArray("simulated");
        simulatedWarnings(verdict).forEach(simulated::add);
        verdict.facts().ifPresentOrElse(facts -> out.set("facts", facts(facts)), () -> out.putNull("facts"));
        ArrayNode guarantees = out.putArray("guarantees");
        for (Guarantee guarantee : Guarantee.values()) {
            ObjectNode g = guarantees.addObject().put("number", guarantee.number()).put("id", guarantee.id()).put("claim", guarantee.claim())
                    .put("status", status(verdict, guarantee).wire());
            ArrayNode checks = g.putArray("checks");
            verdict.checksOf(guarantee).forEach(c -> checks.addObject().put("id", unicode(c.id())).put("passed", c.passed())
                    .put("expected", unicode(c.expected())).put("actual", unicode(c.actual())).put("reason", unicode(c.reason())));
        }
        return out;
    }

    private static ObjectNode facts(DeploymentFacts facts) {
        ObjectNode out = JsonNodeFactory.instance.objectNode().put("issued_at", facts.issuedAt().toString());
        facts.nonce().ifPresentOrElse(n -> out.put("nonce", unicode(n)), () -> out.putNull("nonce"));
        out.putObject("controller").put("key_id", facts.controller().keyId()).put("tee", facts.controller().tee().wire())
                .put("simulated", facts.controller().simulated());
        ObjectNode cvm = out.putObject("cvm").put("id", unicode(facts.cvm().id())).put("name", unicode(facts.cvm().name()))
                .put("provider", unicode(facts.cvm().provider())).put("mode", facts.cvm().mode().wire()).put("host_key", unicode(facts.cvm().hostKey()))
                .put("simulated", facts.cvm().simulated()).put("launch_evidence", facts.cvm().launch().isPresent())
                .put("fresh_evidence", facts.cvm().fresh().isPresent());
        facts.cvm().modeSince().ifPresentOrElse(m -> cvm.putObject("mode_since").put("entry", m.seq()).put("at", m.at().toString()),
                () -> cvm.putNull("mode_since"));
        // Only when the history sets a policy or ran commands in-service: a report of a history from before policies reads as it did.
        if (facts.cvm().policy().version() > 0) {
            cvm.putObject("policy").put("version", facts.cvm().policy().version()).put("sha256", facts.cvm().policy().sha256());
        }
        if (facts.cvm().commandsInService() > 0) {
            cvm.put("commands_in_service", facts.cvm().commandsInService());
        }
        ArrayNode owners = out.putArray("owners");
        facts.owners().forEach(o -> owners.add(o.keyId()));
        out.put("log_size", facts.checkpoint().size());
        facts.since().ifPresentOrElse(s -> out.put("history_since", s), () -> out.putNull("history_since"));
        if (facts.since().isPresent()) {
            ArrayNode changes = out.putArray("changes");
            for (DeploymentFacts.Event event : facts.history()) {
                ObjectNode change = changes.addObject().put("entry", event.when().seq()).put("at", event.when().at().toString());
                if (event instanceof DeploymentFacts.Event.ModeChanged m) {
                    change.put("kind", "mode").put("from", m.from().wire()).put("to", m.to().wire());
                } else if (event instanceof DeploymentFacts.Event.Command c) {
                    ArrayNode argv = change.put("kind", "command").putArray("argv");
                    c.argv().forEach(a -> argv.add(unicode(a)));
                }
            }
        }
        return out;
    }

    /** One line for a change a user asked to see since a checkpoint they trust: when, and what. */
    private static String change(DeploymentFacts.Event event) {
        String when = "entry " + event.when().seq() + " at " + event.when().at() + ": ";
        if (event instanceof DeploymentFacts.Event.ModeChanged m) {
            return when + "mode " + m.from().wire() + " -> " + m.to().wire();
        }
        return when + "command " + ((DeploymentFacts.Event.Command) event).argv().stream().map(a -> "'" + a.replace("'", "'\\''") + "'")
                .collect(Collectors.joining(" "));
    }

    /**
     * The JUnit XML report (the Ant JUnit schema, which CI report publishers read): one
     * {@code testsuite} named "duet verify", one {@code testcase} per guarantee, a {@code failure}
     * listing that guarantee's failed checks, {@code skipped} for a guarantee no check ran for.
     */
    public static String junit(BundleVerdict verdict, Instant checkedAt) {
        StringWriter text = new StringWriter();
        try {
            XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(text);
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            xml.writeStartElement("testsuite");
            xml.writeAttribute("name", "duet verify");
            xml.writeAttribute("timestamp", JUNIT_TIME.format(checkedAt.truncatedTo(ChronoUnit.SECONDS)));
            xml.writeAttribute("hostname", verdict.facts().map(f -> printable(f.cvm().id())).filter(s -> !s.isBlank()).orElse("duet"));
            xml.writeAttribute("tests", String.valueOf(Guarantee.values().length));
            xml.writeAttribute("failures", String.valueOf(count(verdict, Status.FAIL)));
            xml.writeAttribute("errors", "0");
            xml.writeAttribute("skipped", String.valueOf(count(verdict, Status.NOT_CHECKED)));
            xml.writeAttribute("time", "0");
            xml.writeCharacters("\n  ");
            xml.writeStartElement("properties");
            property(xml, "trusted", String.valueOf(verdict.trusted()));
            for (String warning : simulatedWarnings(verdict)) {
                property(xml, "simulated", warning);
            }
            verdict.facts().ifPresent(facts -> {
                try {
                    property(xml, "cvm", facts.cvm().id());
                    property(xml, "controller_key", facts.controller().keyId());
                    property(xml, "issued_at", facts.issuedAt().toString());
                } catch (XMLStreamException e) {
                    throw new IllegalStateException(e);
                }
            });
            xml.writeCharacters("\n  ");
            xml.writeEndElement();
            for (Guarantee guarantee : Guarantee.values()) {
                testcase(xml, verdict, guarantee);
            }
            xml.writeCharacters("\n  ");
            xml.writeStartElement("system-out");
            xml.writeCharacters(text(verdict).lines().map(BundleReport::xmlSafe).collect(Collectors.joining("\n", "\n", "\n")));
            xml.writeEndElement();
            xml.writeCharacters("\n  ");
            xml.writeEmptyElement("system-err");
            xml.writeCharacters("\n");
            xml.writeEndElement();
            xml.writeCharacters("\n");
            xml.writeEndDocument();
            xml.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("writing XML to a string cannot fail", e);
        }
        return text.toString();
    }

    private static void testcase(XMLStreamWriter xml, BundleVerdict verdict, Guarantee guarantee) throws XMLStreamException {
        Status status = status(verdict, guarantee);
        xml.writeCharacters("\n  ");
        if (status == Status.PASS) {
            xml.writeEmptyElement("testcase");
        } else {
            xml.writeStartElement("testcase");
        }
        xml.writeAttribute("classname", "duet.verify");
        xml.writeAttribute("name", guarantee.number() + " " + guarantee.id());
        xml.writeAttribute("time", "0");
        if (status == Status.FAIL) {
            List<Check> failed = verdict.checksOf(guarantee).stream().filter(c -> !c.passed()).toList();
            xml.writeCharacters("\n    ");
            xml.writeStartElement("failure");
            xml.writeAttribute("type", failed.get(0).id());
            xml.writeAttribute("message", xmlSafe(printable(failed.size() + " failed: " + failed.stream().map(Check::id)
                    .collect(Collectors.joining(", ")) + "; " + failed.get(0).detail())));
            xml.writeCharacters(failed.stream().map(c -> xmlSafe(printable(c.describe()))).collect(Collectors.joining("\n", "\n", "\n")));
            xml.writeEndElement();
            xml.writeCharacters("\n  ");
            xml.writeEndElement();
        } else if (status == Status.NOT_CHECKED) {
            xml.writeCharacters("\n    ");
            xml.writeEmptyElement("skipped");
            xml.writeAttribute("message", "no check ran for: " + guarantee.claim());
            xml.writeCharacters("\n  ");
            xml.writeEndElement();
        }
    }

    private static void property(XMLStreamWriter xml, String name, String value) throws XMLStreamException {
        xml.writeCharacters("\n    ");
        xml.writeEmptyElement("property");
        xml.writeAttribute("name", name);
        xml.writeAttribute("value", xmlSafe(printable(value)));
    }

    private static long count(BundleVerdict verdict, Status status) {
        return java.util.Arrays.stream(Guarantee.values()).filter(g -> status(verdict, g) == status).count();
    }

    /** A control (C0, C1) or invisible format character (bidirectional overrides, zero-width characters). */
    public static boolean unprintable(int codePoint) {
        return Character.isISOControl(codePoint) || Character.getType(codePoint) == Character.FORMAT;
    }

    /**
     * Text for a terminal: control and format characters (escape sequences, bidirectional overrides)
     * written as {@code \\uXXXX}, so text from a bundle cannot rewrite what the user reads.
     */
    public static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (unprintable(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /** Text every UTF-8 encoder can write: an unpaired surrogate written as {@code \\uXXXX}. */
    private static String unicode(String text) {
        return escapeSurrogatesAnd(text, c -> false);
    }

    /** What XML 1.0 cannot carry at all (an unpaired surrogate, U+FFFE, U+FFFF) written as {@code \\uXXXX}; control characters are gone already. */
    private static String xmlSafe(String text) {
        return escapeSurrogatesAnd(text, c -> c == '\uFFFE' || c == '\uFFFF');
    }

    private static String escapeSurrogatesAnd(String text, java.util.function.Predicate<Character> alsoEscaped) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pairedHigh = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            if (pairedHigh) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c) || alsoEscaped.test(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
