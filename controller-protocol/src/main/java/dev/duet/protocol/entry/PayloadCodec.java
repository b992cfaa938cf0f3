package dev.duet.protocol.entry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.Octets;
import dev.duet.log.EntryDraft;
import dev.duet.log.LogEntry;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.entry.Payload.Adopted;
import dev.duet.protocol.entry.Payload.Attestation;
import dev.duet.protocol.entry.Payload.CommandCompleted;
import dev.duet.protocol.entry.Payload.CommandFailed;
import dev.duet.protocol.entry.Payload.CommandStarted;
import dev.duet.protocol.entry.Payload.Failed;
import dev.duet.protocol.entry.Payload.GuestImage;
import dev.duet.protocol.entry.Payload.ModeChanged;
import dev.duet.protocol.entry.Payload.Output;
import dev.duet.protocol.entry.Payload.OwnerKey;
import dev.duet.protocol.entry.Payload.OwnerRegistered;
import dev.duet.protocol.entry.Payload.AzureLaunchStarted;
import dev.duet.protocol.entry.Payload.QemuLaunchStarted;
import dev.duet.protocol.entry.Payload.ReAttestation;
import dev.duet.protocol.entry.Payload.RefusalSample;
import dev.duet.protocol.entry.Payload.RequestRefused;
import dev.duet.protocol.entry.Payload.SshAdoptionStarted;
import dev.duet.protocol.entry.Payload.Removed;
import dev.duet.protocol.entry.Payload.Stopped;
import dev.duet.protocol.entry.Payload.UnauthenticatedRefusals;
import dev.duet.protocol.entry.Payload.Vm;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one place that knows how each {@link Payload} is written as JSON in a log entry (the
 * canonical form of that JSON is what entries hash and users verify: docs/api.md, "Kinds and
 * payloads"). Encoding writes exactly the members the controller has always written. Decoding is
 * total and strict: only {@link MalformedPayloadException} escapes, for an unknown kind, a missing
 * or unknown member, or a member of the wrong type; whatever the controller writes decodes.
 */
public final class PayloadCodec {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String PROVIDER_SSH = "ssh";
    private static final String PROVIDER_QEMU = "qemu";
    private static final String PROVIDER_AZURE = "azure";
    private static final String KEY_DESTROYED = "destroyed";
    private static final String VM_STOPPED = "stopped";
    private static final String RE_ATTESTED = "attested";
    private static final String NOT_RE_ATTESTED = "unavailable";

    private PayloadCodec() {}

    /** The draft of an entry recording {@code payload}; {@code subject} is the CVM's id, or null for a log-wide entry. */
    public static EntryDraft draft(String subject, String actor, Payload payload) {
        return EntryDraft.of(subject, actor, payload.kind().wire(), encode(payload));
    }

    public static ObjectNode encode(Payload payload) {
        ObjectNode out = JSON.objectNode();
        if (payload instanceof OwnerRegistered p) {
            ArrayNode keys = out.putArray("owner_keys");
            p.ownerKeys().forEach(k -> keys.addObject().put("key_id", k.keyId()).put("public_key", k.publicKey()));
            out.put("controller_key_id", p.controllerKeyId());
            if (p.threshold() > 1) {
                out.put("threshold", p.threshold());
            }
        } else if (payload instanceof SshAdoptionStarted p) {
            out.put("provider", PROVIDER_SSH).put("name", p.name()).put("address", p.address()).put("host_key_pin", p.hostKeyPin())
                    .put("authorized_keys_path", p.authorizedKeysPath()).put("controller_ssh_key", p.controllerSshKey());
        } else if (payload instanceof AzureLaunchStarted p) {
            out.put("provider", PROVIDER_AZURE).put("name", p.name()).put("controller_ssh_key", p.controllerSshKey()).put("tee", p.tee())
                    .put("vm_size", p.vmSize()).put("location", p.location()).put("resource_group", p.resourceGroup()).put("image", p.image())
                    .put("ssh_source", p.sshSource());
            // Written only when there are any, so that an entry from before they were logged encodes as it was signed.
            if (!p.guestPackages().isEmpty()) {
                ArrayNode packages = out.putArray("guest_packages");
                p.guestPackages().forEach(packages::add);
            }
        } else if (payload instanceof QemuLaunchStarted p) {
            out.put("provider", PROVIDER_QEMU).put("name", p.name()).put("controller_ssh_key", p.controllerSshKey())
                    .put("accelerator", p.accelerator()).put("accelerator_reason", p.acceleratorReason())
                    .put("evidence_source", p.evidenceSource()).put("simulated", p.simulated())
                    .put("expected_measurement", p.expectedMeasurement().map(Octets::hex).orElse(null));
            GuestImage image = p.image();
            ObjectNode node = out.putObject("image").put("version", image.version()).put("cmdline", image.cmdline())
                    .put("vmlinux_sha256", image.vmlinuxSha256()).put("initramfs_sha256", image.initramfsSha256());
            ObjectNode packages = node.putObject("packages");
            image.packages().forEach(packages::put);
        } else if (payload instanceof Attestation p) {
            out.put("evidence_source", p.evidenceSource()).put("simulated", p.simulated()).put("trust", p.trust())
                    .put("nonce", p.nonce().hex()).put("evidence", p.evidence().hex()).put("endorsement", p.endorsement().hex())
                    .put("presented_host_key", p.presentedHostKey()).put("host_key_pin", p.hostKeyPin()).put("accepted", p.accepted());
            // Written only when there are checks, as the controller always has.
            if (!p.checks().isEmpty()) {
                p.checks().forEach(out.putArray("checks")::add);
            }
            // Written only when there is one, so entries from before it was logged encode as they were signed.
            p.vmId().ifPresent(vmId -> out.put("vm_id", vmId));
        } else if (payload instanceof Adopted p) {
            out.put("host_key", p.hostKey()).put("host_key_fingerprint", p.hostKeyFingerprint());
            p.checks().forEach(out.putArray("checks")::add);
            p.vm().ifPresent(vm -> out.put("vm_pid", vm.pid()).put("ssh_port", vm.sshPort()));
        } else if (payload instanceof Failed p) {
            out.put("reason", p.reason());
        } else if (payload instanceof ModeChanged p) {
            out.put("from", p.from().wire()).put("to", p.to().wire());
            p.reAttestation().ifPresent(r -> reAttestation(out.putObject("re_attestation"), r));
            ShieldPayloadCodec.approvedBy(out, p.approvedBy());
            p.ownersEntry().ifPresent(seq -> out.put(ShieldPayloadCodec.OWNERS_ENTRY, seq));
        } else if (payload instanceof CommandStarted p) {
            out.put("command_id", p.commandId()).put("timeout_ms", p.timeout().toMillis());
            p.argv().forEach(out.putArray("argv")::add);
            p.rule().ifPresent(rule -> out.put("rule", rule));
        } else if (payload instanceof CommandCompleted p) {
            out.put("command_id", p.commandId());
            p.exitStatus().ifPresentOrElse(s -> out.put("exit_status", s), () -> out.putNull("exit_status"));
            out.put("exit_signal", p.exitSignal().orElse(null)).put("timed_out", p.timedOut());
            output(out, "stdout", p.stdout());
            output(out, "stderr", p.stderr());
        } else if (payload instanceof CommandFailed p) {
            out.put("command_id", p.commandId()).put("reason", p.reason());
        } else if (payload instanceof RequestRefused p) {
            out.put("method", p.method()).put("path", p.path()).put("refusal", p.refusal()).put("reason", p.reason());
            p.argv().ifPresent(argv -> argv.forEach(out.putArray("argv")::add));
            p.file().ifPresent(file -> out.put("file", file));
            p.rule().ifPresent(rule -> out.put("rule", rule));
        } else if (payload instanceof UnauthenticatedRefusals p) {
            out.put("from", p.from().toString()).put("to", p.to().toString()).put("count", p.count());
            ObjectNode reasons = out.putObject("by_reason");
            p.byReason().forEach(reasons::put);
            RefusalSample s = p.sample();
            out.putObject("sample").put("method", s.method()).put("path", s.path()).put("path_chars", s.pathChars())
                    .put("source", s.source()).put("claimed_key", s.claimedKey()).put("refusal", s.refusal()).put("reason", s.reason());
        } else if (payload instanceof Removed p) {
            out.put("from", p.from().wire());
        } else if (ShieldPayloadCodec.encode(payload, out)) {
            return out;
        } else {
            Stopped p = (Stopped) payload;
            out.put("from", p.from().wire()).put("ssh_key", KEY_DESTROYED);
            if (p.vmStopped()) {
                out.put("vm", VM_STOPPED);
            }
        }
        return out;
    }

    private static void reAttestation(ObjectNode out, ReAttestation reAttestation) {
        if (reAttestation instanceof ReAttestation.Fresh r) {
            out.put("status", RE_ATTESTED).put("evidence_source", r.evidenceSource()).put("simulated", r.simulated()).put("trust", r.trust())
                    .put("nonce", r.nonce()).put("log_size", r.logSize()).put("log_head", r.logHead().hex())
                    .put("report_data", r.reportData().hex()).put("evidence", r.evidence().hex()).put("endorsement", r.endorsement().hex());
            r.checks().forEach(out.putArray("checks")::add);
        } else {
            out.put("status", NOT_RE_ATTESTED).put("reason", ((ReAttestation.Unavailable) reAttestation).reason());
        }
    }

    private static ModeChanged modeChanged(Fields f) throws MalformedPayloadException {
        CvmMode from = f.mode("from");
        CvmMode to = f.mode("to");
        if (!f.has("re_attestation")) {
            // Entries written before owner changes existed name no owners; any other switch to in-update does.
            OptionalLong owners = to == CvmMode.IN_UPDATE && f.has(ShieldPayloadCodec.OWNERS_ENTRY)
                    ? OptionalLong.of(ShieldPayloadCodec.ownersEntry(f)) : OptionalLong.empty();
            return new ModeChanged(from, to, Optional.empty(), ShieldPayloadCodec.approvedBy(f), owners);
        }
        if (to != CvmMode.IN_SERVICE) {
            throw f.malformed("re_attestation", "is only on a switch to in-service");
        }
        Fields r = f.object("re_attestation");
        String status = r.text("status");
        ReAttestation reAttestation;
        if (status.equals(RE_ATTESTED)) {
            String source = r.text("evidence_source");
            reAttestation = new ReAttestation.Fresh(source, r.bool("simulated"), r.text("trust"), r.text("nonce"),
                    r.integer("log_size", 0, Long.MAX_VALUE), r.hex("log_head", 32), r.hex("report_data", CvmFreshBinding.bindingLength(source)),
                    r.hex("evidence"),
                    r.hex("endorsement"), r.texts("checks"));
        } else if (status.equals(NOT_RE_ATTESTED)) {
            reAttestation = new ReAttestation.Unavailable(r.text("reason"));
        } else {
            throw r.malformed("status", "is neither " + RE_ATTESTED + " nor " + NOT_RE_ATTESTED);
        }
        r.done();
        return new ModeChanged(from, to, Optional.of(reAttestation), ShieldPayloadCodec.approvedBy(f), OptionalLong.empty());
    }

    private static void output(ObjectNode out, String name, Output output) {
        out.put(name, output.base64()).put(name + "_sha256", output.sha256()).put(name + "_bytes", output.bytes())
                .put(name + "_truncated", output.truncated());
    }

    /** The payload of a decoded entry, read as its kind says. */
    public static Payload decode(LogEntry entry) throws MalformedPayloadException {
        JsonNode payload;
        try {
            payload = MAPPER.readTree(entry.payloadJson());
        } catch (IOException | RuntimeException e) {
            throw new MalformedPayloadException("the payload is not JSON");
        }
        return decode(entry.kind(), payload);
    }

    public static Payload decode(String kind, JsonNode payload) throws MalformedPayloadException {
        return decode(EntryKind.parse(kind).orElseThrow(() -> new MalformedPayloadException("unknown entry kind " + kind)), payload);
    }

    /** An attestation's Azure VM id: absent, or a non-blank string (blank ones are never written). */
    private static Optional<String> vmId(Fields f) throws MalformedPayloadException {
        if (!f.has("vm_id")) {
            return Optional.empty();
        }
        String vmId = f.text("vm_id");
        if (vmId.isBlank()) {
            throw new MalformedPayloadException("cvm.attestation: vm_id is blank");
        }
        return Optional.of(vmId);
    }

    public static Payload decode(EntryKind kind, JsonNode payload) throws MalformedPayloadException {
        Fields f = new Fields(kind.wire(), payload);
        Payload decoded = switch (kind) {
            case OWNER_REGISTERED -> {
                List<OwnerKey> keys = new ArrayList<>();
                for (Fields key : f.objects("owner_keys")) {
                    keys.add(new OwnerKey(key.text("key_id"), key.text("public_key")));
                    key.done();
                }
                String controllerKeyId = f.text("controller_key_id");
                int threshold = f.has("threshold") ? (int) f.integer("threshold", 2, keys.size()) : 1;
                yield new OwnerRegistered(keys, controllerKeyId, threshold);
            }
            case CVM_ADOPTION_STARTED -> adoptionStarted(f);
            case CVM_ATTESTATION -> new Attestation(f.text("evidence_source"), f.bool("simulated"), f.text("trust"), f.hex("nonce"),
                    f.hex("evidence"), f.hex("endorsement"), f.text("presented_host_key"), f.text("host_key_pin"), f.bool("accepted"),
                    f.has("checks") ? f.texts("checks") : List.of(), vmId(f));
            case CVM_ADOPTED -> new Adopted(f.text("host_key"), f.text("host_key_fingerprint"), f.texts("checks"),
                    f.has("vm_pid") || f.has("ssh_port")
                            ? Optional.of(new Vm(f.integer("vm_pid", 0, Long.MAX_VALUE), (int) f.integer("ssh_port", 0, 65535)))
                            : Optional.empty());
            case CVM_FAILED -> new Failed(f.text("reason"));
            case MODE_CHANGED -> modeChanged(f);
            case COMMAND_STARTED -> new CommandStarted(f.text("command_id"), f.texts("argv"),
                    Duration.ofMillis(f.integer("timeout_ms", 0, Long.MAX_VALUE)), f.has("rule") ? Optional.of(f.text("rule")) : Optional.empty());
            case COMMAND_COMPLETED -> new CommandCompleted(f.text("command_id"),
                    f.isNull("exit_status") ? OptionalInt.empty() : OptionalInt.of((int) f.integer("exit_status", Integer.MIN_VALUE, Integer.MAX_VALUE)),
                    f.isNull("exit_signal") ? Optional.empty() : Optional.of(f.text("exit_signal")), f.bool("timed_out"),
                    output(f, "stdout"), output(f, "stderr"));
            case COMMAND_FAILED -> new CommandFailed(f.text("command_id"), f.text("reason"));
            case REQUEST_REFUSED -> new RequestRefused(f.text("method"), f.text("path"), f.text("refusal"), f.text("reason"),
                    f.has("argv") ? Optional.of(f.texts("argv")) : Optional.empty(), f.has("file") ? Optional.of(f.text("file")) : Optional.empty(),
                    f.has("rule") ? Optional.of(f.text("rule")) : Optional.empty());
            case UNAUTHENTICATED_REFUSALS -> {
                Map<String, Long> byReason = new TreeMap<>();
                Fields reasons = f.object("by_reason");
                for (String reason : reasons.names()) {
                    byReason.put(reason, reasons.integer(reason, 0, Long.MAX_VALUE));
                }
                reasons.done();
                Fields s = f.object("sample");
                RefusalSample sample = new RefusalSample(s.text("method"), s.text("path"), (int) s.integer("path_chars", 0, Integer.MAX_VALUE),
                        s.text("source"), s.text("claimed_key"), s.text("refusal"), s.text("reason"));
                s.done();
                yield new UnauthenticatedRefusals(f.instant("from"), f.instant("to"), f.integer("count", 0, Long.MAX_VALUE),
                        new TreeMap<>(byReason), sample);
            }
            case CVM_STOPPED -> {
                CvmMode from = f.mode("from");
                f.constant("ssh_key", KEY_DESTROYED);
                boolean vmStopped = f.has("vm");
                if (vmStopped) {
                    f.constant("vm", VM_STOPPED);
                }
                yield new Stopped(from, vmStopped);
            }
            case CVM_REMOVED -> new Removed(f.mode("from"));
            default -> ShieldPayloadCodec.decode(kind, f);
        };
        f.done();
        return decoded;
    }

    private static Payload adoptionStarted(Fields f) throws MalformedPayloadException {
        String provider = f.text("provider");
        if (provider.equals(PROVIDER_SSH)) {
            return new SshAdoptionStarted(f.text("name"), f.text("address"), f.text("host_key_pin"), f.text("authorized_keys_path"),
                    f.text("controller_ssh_key"));
        }
        if (provider.equals(PROVIDER_AZURE)) {
            List<String> packages = f.has("guest_packages") ? f.texts("guest_packages") : List.of();
            if (f.has("guest_packages") && packages.isEmpty()) {
                // Never written empty: read as absent, it would encode otherwise than it was signed.
                throw f.malformed("guest_packages", "is empty (it is left out when there are none)");
            }
            return new AzureLaunchStarted(f.text("name"), f.text("controller_ssh_key"), f.text("tee"), f.text("vm_size"), f.text("location"),
                    f.text("resource_group"), f.text("image"), f.text("ssh_source"), packages);
        }
        if (!provider.equals(PROVIDER_QEMU)) {
            throw f.malformed("provider", "is none of " + PROVIDER_SSH + ", " + PROVIDER_QEMU + " and " + PROVIDER_AZURE);
        }
        Optional<Octets> measurement = f.isNull("expected_measurement") ? Optional.empty() : Optional.of(f.hex("expected_measurement"));
        Fields i = f.object("image");
        Map<String, String> packages = new TreeMap<>();
        Fields p = i.object("packages");
        for (String name : p.names()) {
            packages.put(name, p.text(name));
        }
        p.done();
        GuestImage image = new GuestImage(i.text("version"), i.text("cmdline"), i.text("vmlinux_sha256"), i.text("initramfs_sha256"),
                new TreeMap<>(packages));
        i.done();
        return new QemuLaunchStarted(f.text("name"), f.text("controller_ssh_key"), f.text("accelerator"), f.text("accelerator_reason"),
                f.text("evidence_source"), f.bool("simulated"), measurement, image);
    }

    private static Output output(Fields f, String name) throws MalformedPayloadException {
        return new Output(f.text(name), f.text(name + "_sha256"), f.integer(name + "_bytes", 0, Long.MAX_VALUE), f.bool(name + "_truncated"));
    }
}
