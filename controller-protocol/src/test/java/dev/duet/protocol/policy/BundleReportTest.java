package dev.duet.protocol.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.duet.attestation.Check;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.DeploymentFacts;
import dev.duet.protocol.bundle.Guarantee;
import dev.duet.protocol.report.BundleReport;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A verdict judged by a policy, as text, JSON and JUnit XML: the JUnit report valid against the
 * published JUnit schema (src/test/resources/junit, provenance in its README) for a trusted, a
 * failing and an unverified bundle; the JSON byte for byte what a committed file holds.
 */
class BundleReportTest {
    private static final Path EXPECTED = Path.of("src/test/resources/policy");

    private static BundleVerdict bundle(Optional<DeploymentFacts> facts) {
        return new BundleVerdict(List.of(new BundleVerdict.Graded(Guarantee.SIGNED_BY_CONTROLLER, facts.isPresent()
                ? Check.pass("bundle.signature", "the bundle is signed by the attested controller key")
                : Check.fail("bundle.signature", "invalid signature"))), facts);
    }

    private static BundleVerdict trusted() {
        DeploymentPolicy policy = Deployments.policy(DeploymentPolicyTest.policyJson(p -> p));
        return policy.judge(bundle(Optional.of(new Deployments.Facts(policy).build())), Deployments.NOW);
    }

    /** Another CVM image, and a forbidden command whose argv carries what a terminal or XML must not take raw. */
    private static BundleVerdict failing() {
        DeploymentPolicy policy = Deployments.policy(DeploymentPolicyTest.policyJson(p -> p.replace(DeploymentPolicyTest.MILAN_MEASUREMENT,
                "00".repeat(48))));
        Deployments.Facts facts = new Deployments.Facts(policy);
        facts.history.add(4, new DeploymentFacts.Event.Command(Deployments.at(5, "2026-11-19T00:02:00Z"),
                List.of("rm", "-rf", "</x>&\u001b[2J\u0000\u202e\uFFFE\uD800")));
        return policy.judge(bundle(Optional.of(facts.build())), Deployments.NOW);
    }

    private static BundleVerdict unverified() {
        DeploymentPolicy policy = Deployments.policy(DeploymentPolicyTest.policyJson(p -> p));
        return policy.judge(bundle(Optional.empty()), Deployments.NOW);
    }

    private static Document validJunit(BundleVerdict verdict) throws Exception {
        String xml = BundleReport.junit(verdict, Deployments.NOW);
        Validator validator = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
                .newSchema(BundleReportTest.class.getResource("/junit/JUnit.xsd")).newValidator();
        validator.validate(new StreamSource(new StringReader(xml)));
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theJunitReportOfATrustedBundleIsValidWithOneCasePerGuaranteeAndNoFailure() throws Exception {
        Document doc = validJunit(trusted());
        Element suite = doc.getDocumentElement();
        assertThat(suite.getAttribute("name")).isEqualTo("duet verify");
        assertThat(suite.getAttribute("tests")).isEqualTo("6");
        assertThat(suite.getAttribute("failures")).isEqualTo("0");
        assertThat(suite.getAttribute("skipped")).isEqualTo("0");
        assertThat(suite.getAttribute("timestamp")).isEqualTo("2026-12-01T12:00:00");
        NodeList cases = doc.getElementsByTagName("testcase");
        assertThat(cases.getLength()).isEqualTo(6);
        assertThat(((Element) cases.item(0)).getAttribute("name")).isEqualTo("1 controller-genuine");
        assertThat(doc.getElementsByTagName("failure").getLength()).isZero();
        assertThat(property(doc, "trusted")).isEqualTo("true");
        assertThat(property(doc, "simulated")).startsWith("SIMULATED: the controller's evidence");
    }

    @Test
    void theJunitReportOfAFailingBundleIsValidAndCarriesTheFailedChecks() throws Exception {
        Document doc = validJunit(failing());
        assertThat(doc.getDocumentElement().getAttribute("failures")).isEqualTo("2");
        NodeList failures = doc.getElementsByTagName("failure");
        assertThat(failures.getLength()).isEqualTo(2);
        Element cvm = (Element) failures.item(0);
        assertThat(((Element) cvm.getParentNode()).getAttribute("name")).isEqualTo("3 cvm-genuine");
        assertThat(cvm.getAttribute("type")).isEqualTo("policy.cvm.launch-evidence");
        assertThat(cvm.getAttribute("message")).startsWith("3 failed: policy.cvm.launch-evidence, policy.cvm.measurement, policy.cvm.fresh-evidence");
        assertThat(cvm.getTextContent()).contains("FAIL policy.cvm.measurement: ");
        Element history = (Element) failures.item(1);
        assertThat(((Element) history.getParentNode()).getAttribute("name")).isEqualTo("5 in-service");
        assertThat(history.getTextContent()).contains("</x>&\\u001b[2J\\u0000\\u202e\\ufffe\\ud800");
        assertThat(property(doc, "trusted")).isEqualTo("false");
    }

    @Test
    void theJunitReportOfABundleThatDidNotVerifyIsValidAndFailsEveryGuarantee() throws Exception {
        Document doc = validJunit(unverified());
        assertThat(doc.getDocumentElement().getAttribute("failures")).isEqualTo("6");
        assertThat(doc.getDocumentElement().getAttribute("hostname")).isEqualTo("duet");
        assertThat(BundleReport.text(unverified())).startsWith("the bundle established no facts: every rule of the policy fails as not "
                + "established\n").doesNotContain("PASS ").endsWith("NOT TRUSTED (21 failed checks)\n");
    }

    @Test
    void aGuaranteeNoCheckRanForIsSkippedInJunitAndNoneInText() throws Exception {
        BundleVerdict partial = new BundleVerdict(List.of(new BundleVerdict.Graded(Guarantee.FRESH, Check.pass("x", "fine"))),
                Optional.of(new Deployments.Facts(Deployments.policy(DeploymentPolicyTest.policyJson(p -> p))).build()));
        Document doc = validJunit(partial);
        assertThat(doc.getDocumentElement().getAttribute("skipped")).isEqualTo("5");
        assertThat(doc.getElementsByTagName("skipped").getLength()).isEqualTo(5);
        assertThat(BundleReport.text(partial)).contains("NONE 1 controller-genuine: no check ran for: ");
    }

    @Test
    void theTextSaysEachGuaranteeOnOneLineTheFailedChecksUnderItAndSimulatedLoudly() {
        String text = BundleReport.text(failing());
        List<String> lines = text.lines().toList();
        assertThat(lines.get(0)).isEqualTo("SIMULATED: the controller's evidence comes from duet's simulated SNP chip; it proves nothing about hardware");
        assertThat(lines.get(1)).startsWith("CVM cvm-0123456789abcdef (web, qemu) is in-service since log entry 7; controller key c0ffee (sev-snp)");
        assertThat(lines).filteredOn(l -> l.matches("(PASS|FAIL|NONE) [1-6] .*")).extracting(l -> l.substring(0, 6))
                .containsExactly("PASS 1", "PASS 2", "FAIL 3", "PASS 4", "FAIL 5", "PASS 6");
        assertThat(lines).contains("     FAIL policy.cvm.measurement: policy.measurement: MEASUREMENT against the allow-list (expected "
                + "00".repeat(48) + ", got " + DeploymentPolicyTest.MILAN_MEASUREMENT + ")");
        assertThat(text).doesNotContain("\u001b").doesNotContain("\u202e").contains("\\u001b[2J");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("NOT TRUSTED (4 failed checks)");
        assertThat(BundleReport.text(trusted()).lines().reduce((a, b) -> b)).contains("TRUSTED (SIMULATED)");
    }

    @Test
    void theJsonReportIsStable() throws Exception {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        for (String name : List.of("trusted", "failing", "unverified")) {
            BundleVerdict verdict = switch (name) {
                case "trusted" -> trusted();
                case "failing" -> failing();
                default -> unverified();
            };
            String actual = json.writeValueAsString(BundleReport.json(verdict, Deployments.NOW)) + "\n";
            Path file = EXPECTED.resolve("report-" + name + ".json");
            if (Boolean.getBoolean("duet.golden.write")) {
                Files.createDirectories(EXPECTED);
                Files.writeString(file, actual);
            }
            assertThat(actual).as(file + " (remake with -Dduet.golden.write=true after a deliberate change)").isEqualTo(Files.readString(file));
            assertThat(json.readTree(actual).get("trusted").booleanValue()).isEqualTo(verdict.trusted());
        }
    }

    private static String property(Document doc, String name) {
        NodeList properties = doc.getElementsByTagName("property");
        for (int i = 0; i < properties.getLength(); i++) {
            Element property = (Element) properties.item(i);
            if (property.getAttribute("name").equals(name)) {
                return property.getAttribute("value");
            }
        }
        return null;
    }
}
