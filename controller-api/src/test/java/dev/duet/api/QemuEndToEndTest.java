package dev.duet.api;

import static dev.duet.api.EndToEndTest.cli;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.api.EndToEndTest.CliRun;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.x509.SignatureCache;
import dev.duet.controller.SelfAttestation;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.protocol.SignedDocument;
import dev.duet.protocol.bundle.BundleTrust;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.BundleVerifier;
import dev.duet.protocol.bundle.Guarantee;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.Octets;
import dev.duet.controller.ControllerException;
import dev.duet.controller.QemuSupport;
import dev.duet.log.EntryCodec;
import dev.duet.log.ChainVerdict;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.FreshCvmEvidence;
import dev.duet.provisioner.attest.EvidenceSource;
import dev.duet.protocol.entry.EntryKind;
import dev.duet.provisioner.attest.SimulatedSnp;
import dev.duet.provisioner.qemu.GuestImage;
import dev.duet.provisioner.qemu.QemuGuests;
import dev.duet.provisioner.qemu.QemuProvider;
import dev.duet.protocol.entry.Payload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workflow against a real VM the controller starts under QEMU (TCG): create, wait for in-update,
 * run commands, switch to in-service, be refused, stop, and no QEMU left; and a controller JVM
 * killed while its VM runs.
 */
class QemuEndToEndTest {
    @TempDir Path dir;

    @Test
    void createRunInServiceRefuseStop() throws Exception {
        Path ownerKeyFile = dir.resolve("owner.key");
        assertThat(cli("keygen", "--out", ownerKeyFile.toString()).exit()).isZero();
        Ed25519KeyPair owner = Ed25519KeyPair.parsePem(Files.readString(ownerKeyFile));
        String key = ownerKeyFile.toString();
        ControllableFreshReports fresh = new ControllableFreshReports();
        // The controller attests itself with the CVMs' simulated chip: one simulated root, trusted by name, vouches for both.
        SimulatedSnp chip = SimulatedSnp.open(dir.resolve("data").resolve("simulated-snp"));
        Octets ark = ControllerEvidenceVerifier.fingerprint(Octets.copyOf(chip.arkDer()));
        java.util.function.Function<String, BundleTrust> trust = nonce -> new BundleTrust(
                ControllerEvidenceVerifier.Trust.vendorRoots().trustingSimulatedRoot(ark),
                new AttestationVerifier(chip.trust(), IntelTrust.intel(), SignatureCache.create()), AppraisalPolicy.strict(),
                Optional.of(nonce), Optional.empty(), Instant.now());
        try (RunningController running = RunningController.withQemu(dir.resolve("data"), List.of(owner.publicKey()), fresh::around,
                SelfAttestation.simulatedSnp(chip))) {
            String url = running.url();
            CliRun created = cli("create", "--controller", url, "--key", key, "--name", "vm-1", "--wait");
            assertThat(created.exit()).as(created.out() + created.err()).isZero();
            assertThat(created.out()).contains("in-update").contains("SIMULATED attestation (simulated-snp)");
            String cvm = created.out().split(" ")[0];
            TestOwner http = new TestOwner(running.port(), owner);

            CliRun uname = cli("run", "--controller", url, "--key", key, cvm, "--", "uname", "-r");
            assertThat(uname.exit()).as(uname.err()).isZero();
            assertThat(uname.out().strip()).endsWith("-amd64");

            // A fresh report on demand binds the nonce and the CVM's log head now; another nonce or a later head does not match it.
            String hostKey = TestOwner.payload(EndToEndTest.entries(http).get(4), Payload.Adopted.class).hostKey();
            CvmFreshBinding.LogHead headBefore = cvmHead(http, cvm);
            FreshCvmEvidence onDemand = running.controller.freshEvidence(cvm, "user-nonce-1");
            assertThat(onDemand.logHead()).isEqualTo(headBefore);
            assertThat(onDemand.simulated()).isTrue();
            assertThat(onDemand.source()).isEqualTo("simulated-snp");
            assertThat(onDemand.verifyBinding(hostKey, "user-nonce-1", headBefore).passed()).isTrue();
            assertThat(onDemand.verifyBinding(hostKey, "user-nonce-2", headBefore).reason()).contains("stale");
            assertThat(FreshCvmEvidence.fromJson(FreshCvmEvidence.toJson(onDemand))).isEqualTo(onDemand);

            CliRun echo = cli("run", "--controller", url, "--key", key, cvm, "--", "sh", "-c", "echo hello > /root/note; cat /root/note");
            assertThat(echo.out()).isEqualTo("hello\n");
            CvmFreshBinding.LogHead headAfter = cvmHead(http, cvm);
            assertThat(onDemand.verifyBinding(hostKey, "user-nonce-1", headAfter).reason()).as("the earlier report, replayed").contains("replayed");

            // The guest's policy (issue 12): rm denied by a rule in-update, reading the note allowed by a rule in-service.
            Path policy = Files.writeString(dir.resolve("policy.json"), "{\"rules\":[{\"id\":\"read-note\",\"effect\":\"allow\","
                    + "\"modes\":[\"in-service\"],\"exec\":[\"cat\",\"/root/note\"]},{\"id\":\"no-rm\",\"effect\":\"deny\","
                    + "\"modes\":[\"in-update\"],\"exec\":[\"rm\",\"**\"]}],\"max_upload_bytes\":1048576,\"log_content_below_bytes\":4096,"
                    + "\"on_leaving_service\":[]}");
            CliRun policySet = cli("policy", "set", "--controller", url, "--key", key, cvm, policy.toString());
            assertThat(policySet.exit()).as(policySet.err()).isZero();
            CliRun denied = cli("run", "--controller", url, "--key", key, cvm, "--", "rm", "/root/note");
            assertThat(denied.err()).contains("403 policy-denies").contains("rule no-rm denies it");

            // One fresh report at a time: a second request while one is being made is refused at once, with Retry-After.
            fresh.hold();
            java.util.concurrent.CompletableFuture<FreshCvmEvidence> first = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return running.controller.freshEvidence(cvm, "first");
                } catch (ControllerException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            fresh.awaitHeld();
            HttpResponse<String> busy = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/v1/cvms/" + cvm
                    + "/bundle?nonce=busy")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(busy.statusCode()).as(busy.body()).isEqualTo(503);
            assertThat(busy.headers().firstValue("Retry-After")).hasValue("2");
            assertThat(busy.body()).contains("cvm-evidence-unavailable");
            assertThatThrownBy(() -> running.controller.freshEvidence(cvm, "second")).isInstanceOfSatisfying(ControllerException.class, e -> {
                assertThat(e.kind()).isEqualTo(ControllerException.Kind.CVM_EVIDENCE_UNAVAILABLE);
                assertThat(e.retryAfter()).isPresent();
            });
            fresh.release();
            assertThat(first.get(60, java.util.concurrent.TimeUnit.SECONDS).nonce()).isEqualTo("first");

            // A switch whose re-attestation answers with an old report is refused, logged, and the CVM stays in-update.
            fresh.replay(onDemand);
            CliRun replayedSwitch = cli("mode", "--controller", url, "--key", key, cvm, "in-service");
            assertThat(replayedSwitch.exit()).as(replayedSwitch.out() + replayedSwitch.err()).isNotZero();
            assertThat(replayedSwitch.err()).contains("cvm-evidence-rejected");
            assertThat(http.get("/v1/cvms").body().path("cvms").get(0).path("mode").asText()).isEqualTo("in-update");
            JsonNode refusal = EndToEndTest.entries(http).get(EndToEndTest.entries(http).size() - 1);
            assertThat(refusal.path("kind").asText()).isEqualTo(EntryKind.REQUEST_REFUSED.wire());
            assertThat(refusal.path("payload").path("refusal").asText()).isEqualTo("cvm-evidence-rejected");
            assertThat(refusal.path("payload").path("reason").asText()).contains("replayed");

            fresh.honest();
            CvmFreshBinding.LogHead headAtSwitch = cvmHead(http, cvm);
            assertThat(cli("mode", "--controller", url, "--key", key, cvm, "in-service").exit()).isZero();
            JsonNode switched = EndToEndTest.entries(http).get(EndToEndTest.entries(http).size() - 1);
            JsonNode reAttestation = switched.path("payload").path("re_attestation");
            assertThat(reAttestation.path("status").asText()).isEqualTo("attested");
            assertThat(reAttestation.path("log_size").asLong()).isEqualTo(headAtSwitch.size());
            assertThat(reAttestation.path("log_head").asText()).isEqualTo(headAtSwitch.hash().hex())
                    .isEqualTo(switched.path("subject_prev").asText());
            assertThat(reAttestation.path("simulated").asBoolean()).isTrue();
            CliRun readOnly = cli("run", "--controller", url, "--key", key, cvm, "--", "cat", "/root/note");
            assertThat(readOnly.out()).as(readOnly.err()).isEqualTo("hello\n");

            // A bundle asked with a nonce carries the CVM's fresh report for it, bound to the head its history ends at, all signed.
            byte[] bundle = StateSummaryTest.get(running, "/v1/cvms/" + cvm + "/bundle?nonce=bundle-1");
            BundleVerdict verdict = BundleVerifier.verify(bundle, trust.apply("bundle-1"));
            assertThat(verdict.failures()).extracting(g -> g.check().describe()).isEmpty();
            assertThat(verdict.trusted()).isTrue();
            FreshCvmEvidence served = FreshCvmEvidence.fromJson(TestOwner.JSON.readTree(bundle).path("payload").path("cvm_evidence").path("fresh"));
            assertThat(served.nonce()).isEqualTo("bundle-1");
            assertThat(served.logHead()).isEqualTo(cvmHead(http, cvm));
            assertThat(verdict.facts().orElseThrow().cvm().fresh()).hasValueSatisfying(v -> assertThat(v.accepted()).isTrue());
            assertThat(verdict.checksOf(Guarantee.FRESH)).filteredOn(c -> c.id().equals(CvmFreshBinding.CHECK)).singleElement()
                    .satisfies(c -> assertThat(c.passed()).isTrue());
            assertThat(verdict.checksOf(Guarantee.CVM_GENUINE)).filteredOn(c -> c.id().equals("cvm.fresh")).singleElement()
                    .satisfies(c -> assertThat(c.reason()).startsWith("SIMULATED"));

            // Signed again with the controller's own key, so that only the fresh report can fail: one for another nonce
            // (stale), one for this nonce from an earlier head (replayed), none from a running CVM the controller created.
            Ed25519KeyPair controllerKey = signingKey(dir.resolve("data"));
            byte[] stale = withCvmEvidence(StateSummaryTest.get(running, "/v1/cvms/" + cvm + "/bundle?nonce=bundle-2"), controllerKey,
                    e -> e.set("fresh", FreshCvmEvidence.toJson(served)));
            byte[] replayed = withCvmEvidence(StateSummaryTest.get(running, "/v1/cvms/" + cvm + "/bundle?nonce=user-nonce-1"), controllerKey,
                    e -> e.set("fresh", FreshCvmEvidence.toJson(onDemand)));
            byte[] withheld = withCvmEvidence(bundle, controllerKey, e -> e.put("fresh_unavailable", "not running"));
            for (var c : List.of(java.util.Map.entry("bundle-2", stale), java.util.Map.entry("user-nonce-1", replayed))) {
                BundleVerdict refused = BundleVerifier.verify(c.getValue(), trust.apply(c.getKey()));
                assertThat(refused.failures()).as(c.getKey()).extracting(g -> g.guarantee().id() + ": " + g.check().id())
                        .containsExactlyInAnyOrder("fresh: " + CvmFreshBinding.CHECK, "cvm-genuine: cvm.fresh");
                assertThat(refused.failures()).filteredOn(g -> g.guarantee() == Guarantee.FRESH).singleElement()
                        .satisfies(g -> assertThat(g.check().reason()).contains("stale, replayed"));
                assertThat(refused.facts().orElseThrow().cvm().fresh()).hasValueSatisfying(v -> assertThat(v.accepted()).isFalse());
            }
            assertThat(BundleVerifier.verify(withheld, trust.apply("bundle-1")).failures()).extracting(g -> g.guarantee().id() + ": " + g.check().id())
                    .containsExactly("fresh: cvm.fresh");
            CliRun refused = cli("run", "--controller", url, "--key", key, cvm, "--", "rm", "/root/note");
            assertThat(refused.exit()).isEqualTo(254);
            assertThat(refused.err()).contains("mode-forbids");

            List<JsonNode> entries = EndToEndTest.entries(http);
            assertThat(EndToEndTest.kinds(entries)).containsExactly(EntryKind.OWNER_REGISTERED.wire(), EntryKind.CVM_ADOPTION_STARTED.wire(),
                    EntryKind.POLICY_SET.wire(), EntryKind.CVM_ATTESTATION.wire(), EntryKind.CVM_ADOPTED.wire(), EntryKind.COMMAND_STARTED.wire(),
                    EntryKind.COMMAND_COMPLETED.wire(), EntryKind.COMMAND_STARTED.wire(), EntryKind.COMMAND_COMPLETED.wire(), EntryKind.POLICY_SET.wire(),
                    EntryKind.REQUEST_REFUSED.wire(), EntryKind.REQUEST_REFUSED.wire(), EntryKind.MODE_CHANGED.wire(), EntryKind.COMMAND_STARTED.wire(),
                    EntryKind.COMMAND_COMPLETED.wire(), EntryKind.REQUEST_REFUSED.wire());
            assertThat(entries.get(13).path("payload").path("rule").asText()).isEqualTo("read-note");
            assertThat(EndToEndTest.chain(entries)).isInstanceOf(ChainVerdict.Intact.class);
            Payload.Attestation attestation = TestOwner.payload(entries.get(3), Payload.Attestation.class);
            assertThat(attestation.simulated()).isTrue();
            assertThat(attestation.evidenceSource()).isEqualTo("simulated-snp");
            assertThat(attestation.trust()).contains(SimulatedSnp.TRUST_NAME);
            assertThat(attestation.accepted()).isTrue();
            assertThat(attestation.evidence().length()).isEqualTo(1184);
            Payload.QemuLaunchStarted launch = TestOwner.payload(entries.get(1), Payload.QemuLaunchStarted.class);
            assertThat(launch.image().vmlinuxSha256()).hasSize(64);
            assertThat(launch.accelerator()).isEqualTo("tcg");
            CliRun digest = cli("attest", "launch-digest", "--image", dev.duet.provisioner.qemu.GuestImage.defaultDirectory().toString(),
                    "--cmdline", launch.image().cmdline());
            assertThat(digest.out().strip()).isEqualTo(launch.expectedMeasurement().orElseThrow().hex())
                    .isEqualTo(attestation.evidence().hex().substring(2 * 0x90, 2 * 0xC0));

            Path report = Files.write(dir.resolve("report.bin"), attestation.evidence().toByteArray());
            Path vcek = Files.write(dir.resolve("vcek.der"), attestation.endorsement().toByteArray());
            CliRun underAmd = cli("attest", "verify", report.toString(), "--cert", vcek.toString());
            assertThat(underAmd.exit()).isEqualTo(1);
            assertThat(underAmd.out()).contains("FAIL snp.chain");
            CliRun underSimulated = cli("attest", "verify", report.toString(), "--cert", vcek.toString(), "--simulated-root",
                    dir.resolve("data").resolve("simulated-snp").toString());
            assertThat(underSimulated.exit()).as(underSimulated.out()).isZero();
            assertThat(underSimulated.out()).contains("WARNING: trusting the SIMULATED root").contains("ACCEPTED");

            CliRun verified = cli("verify-state", "--controller", url, "--trust-simulated-root", ark.hex(), "--state-dir", dir.resolve("state").toString(), cvm);
            assertThat(verified.exit()).as(verified.out() + verified.err()).isZero();
            assertThat(verified.out()).contains("ok   host key attestation: SIMULATED evidence: signed by the VCEK logged with it")
                    .contains("ok   in-service attestation: entry " + switched.path("seq").asLong() + ": SIMULATED evidence")
                    .contains("host key bound by SIMULATED attestation (simulated-snp")
                    .contains("proves nothing about hardware").contains("1 command the policy allows in-service ran since");

            assertThat(cli("stop", "--controller", url, "--key", key, cvm).exit()).isZero();
            assertThat(QemuGuests.qemuRunning(cvm)).isFalse();
        }
    }

    /** The controller's signing key, from its data directory as a test that holds the sealing key can read it. */
    private static Ed25519KeyPair signingKey(Path data) throws Exception {
        try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + data.resolve("duet.db"));
                java.sql.ResultSet row = db.createStatement().executeQuery(
                        "SELECT public_key, private_sealed FROM controller_keys WHERE purpose = 'signing'")) {
            assertThat(row.next()).isTrue();
            byte[] pkcs8 = FileSealer.openOrCreate(data.resolve("sealing.key")).unseal(row.getBytes("private_sealed"),
                    "duet controller signing key");
            return Ed25519KeyPair.fromEncoded(pkcs8, row.getBytes("public_key"));
        }
    }

    /** The bundle with its {@code cvm_evidence} replaced as {@code change} says, signed again by {@code key}. */
    private static byte[] withCvmEvidence(byte[] bundle, Ed25519KeyPair key, java.util.function.Consumer<ObjectNode> change) throws Exception {
        ObjectNode payload = (ObjectNode) TestOwner.JSON.readTree(bundle).get("payload").deepCopy();
        change.accept(payload.putObject("cvm_evidence"));
        return TestOwner.JSON.writeValueAsBytes(SignedDocument.sign(key, payload));
    }

    /** The head of the CVM's own chain, from the log: how many entries it has and the hash of the last. */
    private static CvmFreshBinding.LogHead cvmHead(TestOwner http, String cvm) throws Exception {
        List<JsonNode> own = EndToEndTest.entries(http).stream().filter(e -> e.path("subject").asText().equals(cvm)).toList();
        return new CvmFreshBinding.LogHead(own.size(),
                Octets.copyOf(EntryCodec.hash(EntryCodec.fromJson(own.get(own.size() - 1))).toByteArray()));
    }

    /**
     * The real evidence source, with fresh reports that can be held (to see a second request refused
     * while one is made) or replaced by an earlier report (what a replaying host would answer).
     */
    private static final class ControllableFreshReports {
        private volatile EvidenceSource real;
        private volatile Optional<FreshCvmEvidence> replayed = Optional.empty();
        private volatile java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(0);
        private final java.util.concurrent.Semaphore reached = new java.util.concurrent.Semaphore(0);

        QemuSupport around(QemuSupport support) {
            real = support.evidence();
            return new QemuSupport(support.provider(), new EvidenceSource() {
                @Override
                public String name() {
                    return real.name();
                }

                @Override
                public boolean simulated() {
                    return real.simulated();
                }

                @Override
                public dev.duet.attestation.snp.AmdTrust trust() {
                    return real.trust();
                }

                @Override
                public Optional<byte[]> expectedMeasurement() {
                    return real.expectedMeasurement();
                }

                @Override
                public Attested report(Guest guest, byte[] nonce) throws java.io.IOException {
                    return real.report(guest, nonce);
                }

                @Override
                public Attested freshReport(dev.duet.provisioner.ssh.SshConnection pinned, byte[] reportData) throws java.io.IOException {
                    reached.release();
                    try {
                        held.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.IOException("interrupted");
                    }
                    Optional<FreshCvmEvidence> old = replayed;
                    return old.isPresent() ? new Attested(old.get().evidence().toByteArray(), old.get().endorsement().toByteArray())
                            : real.freshReport(pinned, reportData);
                }
            });
        }

        void hold() {
            reached.drainPermits();
            held = new java.util.concurrent.CountDownLatch(1);
        }

        void awaitHeld() throws InterruptedException {
            assertThat(reached.tryAcquire(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }

        void release() {
            held.countDown();
        }

        void replay(FreshCvmEvidence old) {
            replayed = Optional.of(old);
        }

        void honest() {
            replayed = Optional.empty();
        }
    }

    @Test
    void aGuestWhoseSshServerCannotStartFailsTheCvmAndCreateSaysWhy() throws Exception {
        Path ownerKeyFile = dir.resolve("owner.key");
        assertThat(cli("keygen", "--out", ownerKeyFile.toString()).exit()).isZero();
        Ed25519KeyPair owner = Ed25519KeyPair.parsePem(Files.readString(ownerKeyFile));
        GuestImage withoutLibtomcrypt = QemuGuests.withMissingFile(QemuGuests.image(), dir.resolve("image"),
                "/usr/lib/x86_64-linux-gnu/libtomcrypt.so.1");
        QemuProvider broken = QemuProvider.start(withoutLibtomcrypt, dir.resolve("vms"), Optional.of("tcg"));
        UnaryOperator<QemuSupport> brokenImage = real -> {
            real.close();
            return new QemuSupport(broken, real.evidence());
        };
        try (RunningController running = RunningController.withQemu(dir.resolve("data"), List.of(owner.publicKey()), brokenImage)) {
            CliRun created = cli("create", "--controller", running.url(), "--key", ownerKeyFile.toString(), "--name", "no-ssh", "--wait");
            assertThat(created.exit()).as(created.out() + created.err()).isEqualTo(1);
            String reason = "the guest failed to start: dropbear exited: dropbear: error while loading shared libraries:"
                    + " libtomcrypt.so.1: cannot open shared object file: No such file or directory";
            assertThat(created.out()).matches("cvm-\\S+ failed \\(\\Q" + reason + "\\E.*\\)\\n");

            TestOwner http = new TestOwner(running.port(), owner);
            JsonNode listed = http.get("/v1/cvms").body().path("cvms").get(0);
            assertThat(listed.path("mode").asText()).isEqualTo("failed");
            assertThat(listed.path("reason").asText()).startsWith(reason);
            List<JsonNode> entries = EndToEndTest.entries(http);
            assertThat(EndToEndTest.kinds(entries)).containsExactly(EntryKind.OWNER_REGISTERED.wire(), EntryKind.CVM_ADOPTION_STARTED.wire(),
                    EntryKind.POLICY_SET.wire(), EntryKind.CVM_FAILED.wire());
            assertThat(TestOwner.payload(entries.get(3), Payload.Failed.class).reason()).isEqualTo(listed.path("reason").asText());
            assertThat(QemuGuests.qemuRunning(listed.path("id").asText())).isFalse();
        }
    }

    @Test
    void evidenceThatDoesNotBindThePresentedKeyLeavesTheCvmFailedWithNothingSent() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        java.util.function.UnaryOperator<dev.duet.controller.QemuSupport> staleNonce = real -> new dev.duet.controller.QemuSupport(
                real.provider(), new dev.duet.provisioner.attest.EvidenceSource() {
                    @Override
                    public String name() {
                        return real.evidence().name();
                    }

                    @Override
                    public boolean simulated() {
                        return true;
                    }

                    @Override
                    public dev.duet.attestation.snp.AmdTrust trust() {
                        return real.evidence().trust();
                    }

                    @Override
                    public java.util.Optional<byte[]> expectedMeasurement() {
                        return real.evidence().expectedMeasurement();
                    }

                    @Override
                    public Attested report(Guest guest, byte[] nonce) throws java.io.IOException {
                        return real.evidence().report(guest, new byte[32]);
                    }

                    @Override
                    public Attested freshReport(dev.duet.provisioner.ssh.SshConnection pinned, byte[] reportData) throws java.io.IOException {
                        return real.evidence().freshReport(pinned, reportData);
                    }
                });
        try (RunningController running = RunningController.withQemu(dir.resolve("data"), List.of(owner.publicKey()), staleNonce)) {
            TestOwner http = new TestOwner(running.port(), owner);
            TestOwner.Reply created = http.signed("POST", "/v1/cvms", "{\"provider\":\"qemu\",\"name\":\"replayed\"}");
            assertThat(created.status()).isEqualTo(202);
            String cvm = created.body().path("id").asText();
            running.controller.awaitProvisioning(Duration.ofSeconds(90));
            JsonNode listed = http.get("/v1/cvms").body().path("cvms").get(0);
            assertThat(listed.path("mode").asText()).isEqualTo("failed");
            assertThat(listed.path("reason").asText()).contains("does not bind the host key").contains("policy.report-data");
            List<JsonNode> entries = EndToEndTest.entries(http);
            assertThat(EndToEndTest.kinds(entries)).containsExactly(EntryKind.OWNER_REGISTERED.wire(), EntryKind.CVM_ADOPTION_STARTED.wire(),
                    EntryKind.POLICY_SET.wire(), EntryKind.CVM_ATTESTATION.wire(), EntryKind.CVM_FAILED.wire());
            assertThat(TestOwner.payload(entries.get(3), Payload.Attestation.class).accepted()).isFalse();
            assertThat(QemuGuests.qemuRunning(cvm)).isFalse();
        }
    }

    @Test
    void configfsTsmEvidenceInAGuestWithoutTeeFailsTheCvmAsNoTee() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        java.util.function.UnaryOperator<dev.duet.controller.QemuSupport> configfs = real -> new dev.duet.controller.QemuSupport(
                real.provider(), new dev.duet.provisioner.attest.ConfigFsTsmSource(java.util.Optional.empty()));
        try (RunningController running = RunningController.withQemu(dir.resolve("data"), List.of(owner.publicKey()), configfs)) {
            TestOwner http = new TestOwner(running.port(), owner);
            String cvm = http.signed("POST", "/v1/cvms", "{\"provider\":\"qemu\",\"name\":\"no-tee\"}").body().path("id").asText();
            running.controller.awaitProvisioning(Duration.ofSeconds(90));
            JsonNode listed = http.get("/v1/cvms").body().path("cvms").get(0);
            assertThat(listed.path("mode").asText()).isEqualTo("failed");
            assertThat(listed.path("reason").asText()).contains("no TEE in this guest").contains("no provider");
            assertThat(listed.path("attestation").path("simulated").asBoolean(true)).isFalse();
            assertThat(EndToEndTest.kinds(EndToEndTest.entries(http))).containsExactly(EntryKind.OWNER_REGISTERED.wire(),
                    EntryKind.CVM_ADOPTION_STARTED.wire(), EntryKind.POLICY_SET.wire(), EntryKind.CVM_FAILED.wire());
            assertThat(QemuGuests.qemuRunning(cvm)).isFalse();
        }
    }

    @Test
    void aKilledControllerTakesItsVmWithItAndTheRestartRecordsTheLoss() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Path ownerPub = dir.resolve("owner.pub");
        Files.writeString(ownerPub, owner.publicKey().toPem());
        Path data = dir.resolve("data");
        QemuGuests.image();
        ChildController controller = ChildController.start(dir, data, ownerPub, "--qemu", "on", "--accel", "tcg");
        String cvm;
        try {
            TestOwner http = new TestOwner(controller.port(), owner);
            TestOwner.Reply created = http.signed("POST", "/v1/cvms",
                    TestOwner.JSON.createObjectNode().put("provider", "qemu").put("name", "doomed").toString());
            assertThat(created.status()).as(created.raw()).isEqualTo(202);
            assertThat(created.body().path("mode").asText()).isEqualTo("provisioning");
            cvm = created.body().path("id").asText();
            Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
            String mode = "provisioning";
            while (mode.equals("provisioning") && Instant.now().isBefore(deadline)) {
                Thread.sleep(200);
                mode = http.get("/v1/cvms").body().path("cvms").get(0).path("mode").asText();
            }
            assertThat(mode).isEqualTo("in-update");
            assertThat(QemuGuests.qemuRunning(cvm)).isTrue();
        } finally {
            controller.kill();
        }
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (QemuGuests.qemuRunning(cvm) && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        assertThat(QemuGuests.qemuRunning(cvm)).as("QEMU dies with the controller's JVM (pdeathsig)").isFalse();

        try (RunningController again = RunningController.start(data, List.of())) {
            TestOwner http = new TestOwner(again.port(), owner);
            JsonNode listed = http.get("/v1/cvms").body().path("cvms").get(0);
            assertThat(listed.path("mode").asText()).isEqualTo("failed");
            assertThat(listed.path("reason").asText()).startsWith("lost:").contains("is gone");
            List<JsonNode> entries = EndToEndTest.entries(http);
            assertThat(EndToEndTest.kinds(entries)).endsWith(EntryKind.CVM_ADOPTED.wire(), EntryKind.CVM_FAILED.wire());
            assertThat(EndToEndTest.chain(entries)).isInstanceOf(ChainVerdict.Intact.class);
        }
    }
}
