package dev.duet.protocol.entry;

import dev.duet.attestation.Octets;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.shield.ShieldPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a log entry says, one record per {@link EntryKind}. The controller writes these and
 * verifiers read them; {@link PayloadCodec} alone knows their JSON form, which is what users verify.
 */
public sealed interface Payload {
    EntryKind kind();

    /**
     * Entry 0: the owners whose signed requests the controller obeys, the controller's own key, and
     * how many distinct owners must sign a governed request ({@code threshold}, k of n; 1 unless set).
     */
    record OwnerRegistered(List<OwnerKey> ownerKeys, String controllerKeyId, int threshold) implements Payload {
        public OwnerRegistered {
            ownerKeys = List.copyOf(ownerKeys);
            Objects.requireNonNull(controllerKeyId, "controllerKeyId");
            if (threshold < 1 || threshold > Math.max(1, ownerKeys.size())) {
                throw new IllegalArgumentException("the threshold is 1 to the number of owner keys");
            }
        }

        /** One owner key alone may act: the default. */
        public OwnerRegistered(List<OwnerKey> ownerKeys, String controllerKeyId) {
            this(ownerKeys, controllerKeyId, 1);
        }

        @Override
        public EntryKind kind() {
            return EntryKind.OWNER_REGISTERED;
        }
    }

    /** An owner key as registered: its key id and its base64 SPKI, as listed (readers check that they agree). */
    record OwnerKey(String keyId, String publicKey) {
        public OwnerKey {
            Objects.requireNonNull(keyId, "keyId");
            Objects.requireNonNull(publicKey, "publicKey");
        }
    }

    /** A CVM's first entry: an owner asked to adopt a machine or to create a guest. */
    sealed interface AdoptionStarted extends Payload {
        String name();

        /** The authorized_keys line of the key the controller holds for the CVM. */
        String controllerSshKey();

        @Override
        default EntryKind kind() {
            return EntryKind.CVM_ADOPTION_STARTED;
        }
    }

    /** Adoption of an existing machine over SSH, pinned to the host key the owner named. */
    record SshAdoptionStarted(String name, String address, String hostKeyPin, String authorizedKeysPath, String controllerSshKey)
            implements AdoptionStarted {
        public SshAdoptionStarted {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(hostKeyPin, "hostKeyPin");
            Objects.requireNonNull(authorizedKeysPath, "authorizedKeysPath");
            Objects.requireNonNull(controllerSshKey, "controllerSshKey");
        }
    }

    /** A QEMU guest the controller creates; its host key is pinned only once evidence binds it. */
    record QemuLaunchStarted(String name, String controllerSshKey, String accelerator, String acceleratorReason, String evidenceSource,
            boolean simulated, Optional<Octets> expectedMeasurement, GuestImage image) implements AdoptionStarted {
        public QemuLaunchStarted {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(controllerSshKey, "controllerSshKey");
            Objects.requireNonNull(accelerator, "accelerator");
            Objects.requireNonNull(acceleratorReason, "acceleratorReason");
            Objects.requireNonNull(evidenceSource, "evidenceSource");
            Objects.requireNonNull(expectedMeasurement, "expectedMeasurement");
            Objects.requireNonNull(image, "image");
        }
    }

    /**
     * An Azure confidential VM the controller creates through Resource Manager, in a resource group of
     * its own: which TEE ({@code snp} or {@code tdx}), size, region, marketplace image, and the one
     * source address its network security group admits to SSH, and the packages cloud-init installs at
     * first boot ({@code guestPackages}: empty in entries from before they were logged, and then not
     * written). Its host key is pinned only once the vTPM evidence binds it.
     */
    record AzureLaunchStarted(String name, String controllerSshKey, String tee, String vmSize, String location, String resourceGroup,
            String image, String sshSource, List<String> guestPackages) implements AdoptionStarted {
        public AzureLaunchStarted {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(controllerSshKey, "controllerSshKey");
            Objects.requireNonNull(tee, "tee");
            Objects.requireNonNull(vmSize, "vmSize");
            Objects.requireNonNull(location, "location");
            Objects.requireNonNull(resourceGroup, "resourceGroup");
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(sshSource, "sshSource");
            guestPackages = List.copyOf(guestPackages);
        }
    }

    /** The guest image a QEMU CVM boots: what it is built from and the hashes of its files. */
    record GuestImage(String version, String cmdline, String vmlinuxSha256, String initramfsSha256, SortedMap<String, String> packages) {
        public GuestImage {
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(cmdline, "cmdline");
            Objects.requireNonNull(vmlinuxSha256, "vmlinuxSha256");
            Objects.requireNonNull(initramfsSha256, "initramfsSha256");
            packages = Collections.unmodifiableSortedMap(new TreeMap<>(packages));
        }
    }

    /** A guest's evidence, checked for the host key it presented and a fresh nonce (QEMU provider). */
    /**
     * {@code vmId} is Azure's id of the VM the controller created ({@code properties.vmId}), which
     * Azure vTPM evidence must name; absent for other providers.
     */
    record Attestation(String evidenceSource, boolean simulated, String trust, Octets nonce, Octets evidence, Octets endorsement,
            String presentedHostKey, String hostKeyPin, boolean accepted, List<String> checks, Optional<String> vmId) implements Payload {
        public Attestation(String evidenceSource, boolean simulated, String trust, Octets nonce, Octets evidence, Octets endorsement,
                String presentedHostKey, String hostKeyPin, boolean accepted, List<String> checks) {
            this(evidenceSource, simulated, trust, nonce, evidence, endorsement, presentedHostKey, hostKeyPin, accepted, checks, Optional.empty());
        }

        public Attestation {
            Objects.requireNonNull(evidenceSource, "evidenceSource");
            if (vmId.isPresent() && vmId.get().isBlank()) {
                throw new IllegalArgumentException("a VM id is not blank");
            }
            Objects.requireNonNull(trust, "trust");
            Objects.requireNonNull(nonce, "nonce");
            Objects.requireNonNull(evidence, "evidence");
            Objects.requireNonNull(endorsement, "endorsement");
            Objects.requireNonNull(presentedHostKey, "presentedHostKey");
            Objects.requireNonNull(hostKeyPin, "hostKeyPin");
            checks = List.copyOf(checks);
        }

        @Override
        public EntryKind kind() {
            return EntryKind.CVM_ATTESTATION;
        }
    }

    /** The controller holds the CVM's only key; {@code vm} is the QEMU guest it runs, if it created one. */
    record Adopted(String hostKey, String hostKeyFingerprint, List<String> checks, Optional<Vm> vm) implements Payload {
        public Adopted {
            Objects.requireNonNull(hostKey, "hostKey");
            Objects.requireNonNull(hostKeyFingerprint, "hostKeyFingerprint");
            checks = List.copyOf(checks);
            Objects.requireNonNull(vm, "vm");
        }

        @Override
        public EntryKind kind() {
            return EntryKind.CVM_ADOPTED;
        }
    }

    record Vm(long pid, int sshPort) {}

    record Failed(String reason) implements Payload {
        public Failed {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public EntryKind kind() {
            return EntryKind.CVM_FAILED;
        }
    }

    /**
     * The owner switched modes. A switch to {@code in-service} by this version carries its
     * {@code reAttestation}: the CVM's fresh evidence bound to the log head just before the switch,
     * or why there is none (an adopted machine has no TEE interface). Older entries have none.
     * A switch to {@code in-update} is governed: it names the owners it was approved under
     * ({@code ownersEntry}: entry 0 or the {@code owners.changed} in force); one written before
     * owner changes existed names none, which reads as entry 0.
     */
    record ModeChanged(CvmMode from, CvmMode to, Optional<ReAttestation> reAttestation, List<String> approvedBy, OptionalLong ownersEntry)
            implements Payload {
        public ModeChanged {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(reAttestation, "reAttestation");
            Objects.requireNonNull(ownersEntry, "ownersEntry");
            if (reAttestation.isPresent() && to != CvmMode.IN_SERVICE) {
                throw new IllegalArgumentException("only a switch to in-service re-attests the CVM");
            }
            if (ownersEntry.isPresent() && to != CvmMode.IN_UPDATE) {
                throw new IllegalArgumentException("only a switch to in-update is governed by the owners in force");
            }
            approvedBy = List.copyOf(approvedBy);
        }

        /** A switch to {@code in-update}, approved under the owners set at entry {@code ownersEntry}. */
        public static ModeChanged toInUpdate(CvmMode from, List<String> approvedBy, long ownersEntry) {
            return new ModeChanged(from, CvmMode.IN_UPDATE, Optional.empty(), approvedBy, OptionalLong.of(ownersEntry));
        }

        /** A switch that one owner's request made (no approvals recorded). */
        public ModeChanged(CvmMode from, CvmMode to, Optional<ReAttestation> reAttestation) {
            this(from, to, reAttestation, List.of(), OptionalLong.empty());
        }

        /** A switch that records no re-attestation: to {@code in-update}, or one written before re-attestation existed. */
        public ModeChanged(CvmMode from, CvmMode to) {
            this(from, to, Optional.empty());
        }

        @Override
        public EntryKind kind() {
            return EntryKind.MODE_CHANGED;
        }
    }

    /** What the switch to {@code in-service} learnt of the CVM just before it (DESIGN §4). */
    sealed interface ReAttestation {
        /**
         * A fresh report whose REPORT_DATA is the {@link dev.duet.attestation.CvmFreshBinding} of the
         * CVM's host key, {@code nonce} and the head of its chain just before the switch
         * ({@code logSize} entries, the last with hash {@code logHead}); checked by the controller
         * ({@code checks}) before it switched.
         */
        record Fresh(String evidenceSource, boolean simulated, String trust, String nonce, long logSize, Octets logHead,
                Octets reportData, Octets evidence, Octets endorsement, List<String> checks) implements ReAttestation {
            public Fresh {
                Objects.requireNonNull(evidenceSource, "evidenceSource");
                Objects.requireNonNull(trust, "trust");
                Objects.requireNonNull(nonce, "nonce");
                Objects.requireNonNull(logHead, "logHead");
                Objects.requireNonNull(reportData, "reportData");
                Objects.requireNonNull(evidence, "evidence");
                Objects.requireNonNull(endorsement, "endorsement");
                checks = List.copyOf(checks);
            }
        }

        /** No fresh evidence exists for this CVM, and why (an adopted machine the controller cannot ask for a report). */
        record Unavailable(String reason) implements ReAttestation {
            public Unavailable {
                Objects.requireNonNull(reason, "reason");
            }
        }
    }

    /**
     * Logged, and durable, before anything is sent to the CVM; {@code rule} is the id of the policy
     * rule (or built-in decision, {@link dev.duet.protocol.shield.Decision}) that allowed it. Entries
     * written before policies existed have none.
     */
    record CommandStarted(String commandId, List<String> argv, Duration timeout, Optional<String> rule) implements Payload {
        public CommandStarted {
            Objects.requireNonNull(commandId, "commandId");
            argv = List.copyOf(argv);
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(rule, "rule");
        }

        public CommandStarted(String commandId, List<String> argv, Duration timeout) {
            this(commandId, argv, timeout, Optional.empty());
        }

        @Override
        public EntryKind kind() {
            return EntryKind.COMMAND_STARTED;
        }
    }

    /** How a command ended; a command whose outcome never came back is {@link CommandFailed} instead. */
    record CommandCompleted(String commandId, OptionalInt exitStatus, Optional<String> exitSignal, boolean timedOut, Output stdout,
            Output stderr) implements Payload {
        public CommandCompleted {
            Objects.requireNonNull(commandId, "commandId");
            Objects.requireNonNull(exitStatus, "exitStatus");
            Objects.requireNonNull(exitSignal, "exitSignal");
            Objects.requireNonNull(stdout, "stdout");
            Objects.requireNonNull(stderr, "stderr");
        }

        @Override
        public EntryKind kind() {
            return EntryKind.COMMAND_COMPLETED;
        }
    }

    /** A captured stream: its first bytes (base64), and the SHA-256 and size of all of it. */
    record Output(String base64, String sha256, long bytes, boolean truncated) {
        public Output {
            Objects.requireNonNull(base64, "base64");
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    record CommandFailed(String commandId, String reason) implements Payload {
        public CommandFailed {
            Objects.requireNonNull(commandId, "commandId");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public EntryKind kind() {
            return EntryKind.COMMAND_FAILED;
        }
    }

    /**
     * An authenticated owner's request, refused; {@code argv} is there when a command was refused for
     * the CVM's mode or policy, {@code file} when a file transfer was, and {@code rule} names the
     * policy rule (or built-in decision) that refused it.
     */
    record RequestRefused(String method, String path, String refusal, String reason, Optional<List<String>> argv, Optional<String> file,
            Optional<String> rule) implements Payload {
        public RequestRefused {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(refusal, "refusal");
            Objects.requireNonNull(reason, "reason");
            argv = argv.map(List::copyOf);
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(rule, "rule");
        }

        public RequestRefused(String method, String path, String refusal, String reason, Optional<List<String>> argv) {
            this(method, path, refusal, reason, argv, Optional.empty(), Optional.empty());
        }

        @Override
        public EntryKind kind() {
            return EntryKind.REQUEST_REFUSED;
        }
    }

    /** One window's refusals of unauthenticated owner requests: how many, by reason, and the first as a sample. */
    record UnauthenticatedRefusals(Instant from, Instant to, long count, SortedMap<String, Long> byReason, RefusalSample sample)
            implements Payload {
        public UnauthenticatedRefusals {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            byReason = Collections.unmodifiableSortedMap(new TreeMap<>(byReason));
            Objects.requireNonNull(sample, "sample");
        }

        @Override
        public EntryKind kind() {
            return EntryKind.UNAUTHENTICATED_REFUSALS;
        }
    }

    /** A refused request as sampled: path and reason cut, the path's full length, who sent it and which key it claimed. */
    record RefusalSample(String method, String path, int pathChars, String source, String claimedKey, String refusal, String reason) {
        public RefusalSample {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(claimedKey, "claimedKey");
            Objects.requireNonNull(refusal, "refusal");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The controller stopped managing the CVM and destroyed its key; {@code vmStopped} when it also stopped the guest it ran. */
    record Stopped(CvmMode from, boolean vmStopped) implements Payload {
        public Stopped {
            Objects.requireNonNull(from, "from");
        }

        @Override
        public EntryKind kind() {
            return EntryKind.CVM_STOPPED;
        }
    }

    /** An owner removed the CVM from the list; {@code from} is the mode it was in (stopped or failed), which it keeps. */
    record Removed(CvmMode from) implements Payload {
        public Removed {
            Objects.requireNonNull(from, "from");
        }

        @Override
        public EntryKind kind() {
            return EntryKind.CVM_REMOVED;
        }
    }

    /**
     * The policy in force for a CVM from this entry on, logged whole (docs/policy.md): its version
     * (1 for the first, then each change adds one), where it came from ({@code default}: the
     * controller-wide default when the CVM was created; {@code owner}: an owner set it), its
     * SHA-256 ({@link PolicyCodec#sha256}), the owners who approved it when k-of-n applies, and,
     * for an owner's change, the owners it was approved under ({@code ownersEntry}: entry 0 or the
     * {@code owners.changed} in force).
     */
    record PolicySet(long version, String origin, ShieldPolicy policy, String sha256, List<String> approvedBy, OptionalLong ownersEntry)
            implements Payload {
        public static final String ORIGIN_DEFAULT = "default";
        public static final String ORIGIN_OWNER = "owner";

        public PolicySet {
            Objects.requireNonNull(origin, "origin");
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(ownersEntry, "ownersEntry");
            if (ownersEntry.isPresent() != origin.equals(ORIGIN_OWNER)) {
                throw new IllegalArgumentException("an owner's policy change, and only that, names the owners it was approved under");
            }
            approvedBy = List.copyOf(approvedBy);
        }

        /** The controller-wide default, copied into a CVM as its policy when it is created. */
        public static PolicySet fromDefault(long version, ShieldPolicy policy, String sha256) {
            return new PolicySet(version, ORIGIN_DEFAULT, policy, sha256, List.of(), OptionalLong.empty());
        }

        /** An owner's change, approved by {@code approvedBy} (none when one owner sufficed) under the owners set at {@code ownersEntry}. */
        public static PolicySet byOwner(long version, ShieldPolicy policy, String sha256, List<String> approvedBy, long ownersEntry) {
            return new PolicySet(version, ORIGIN_OWNER, policy, sha256, approvedBy, OptionalLong.of(ownersEntry));
        }

        @Override
        public EntryKind kind() {
            return EntryKind.POLICY_SET;
        }
    }

    /** The controller-wide default policy, copied into each CVM created after it (log-wide), and the owners it was approved under. */
    record DefaultPolicySet(long version, ShieldPolicy policy, String sha256, List<String> approvedBy, long ownersEntry) implements Payload {
        public DefaultPolicySet {
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(sha256, "sha256");
            if (ownersEntry < 0) {
                throw new IllegalArgumentException("ownersEntry is a log position");
            }
            approvedBy = List.copyOf(approvedBy);
        }

        @Override
        public EntryKind kind() {
            return EntryKind.POLICY_DEFAULT_SET;
        }
    }

    /**
     * A file about to be written (durable before any byte is sent): where, its permissions (octal,
     * e.g. {@code 0644}), its size and SHA-256, its content (base64) when smaller than the policy's
     * {@code log_content_below_bytes}, and the rule that allowed it.
     */
    record FileWriteStarted(String transferId, String path, String permissions, long bytes, String sha256, Optional<String> content,
            String rule) implements Payload {
        public FileWriteStarted {
            Objects.requireNonNull(transferId, "transferId");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(permissions, "permissions");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(content, "content");
            Objects.requireNonNull(rule, "rule");
        }

        @Override
        public EntryKind kind() {
            return EntryKind.FILE_WRITE_STARTED;
        }
    }

    /** The file is in place: written whole to a temporary name, then renamed onto its path. */
    record FileWriteCompleted(String transferId) implements Payload {
        public FileWriteCompleted {
            Objects.requireNonNull(transferId, "transferId");
        }

        @Override
        public EntryKind kind() {
            return EntryKind.FILE_WRITE_COMPLETED;
        }
    }

    /** The write did not finish; nothing was left at the path (the temporary file removed, if it could be). */
    record FileWriteFailed(String transferId, String reason) implements Payload {
        public FileWriteFailed {
            Objects.requireNonNull(transferId, "transferId");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public EntryKind kind() {
            return EntryKind.FILE_WRITE_FAILED;
        }
    }

    /** A file read back for an owner (logged before the owner gets it): its size, SHA-256 and the rule that allowed it. */
    record FileRead(String transferId, String path, long bytes, String sha256, String rule) implements Payload {
        public FileRead {
            Objects.requireNonNull(transferId, "transferId");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(rule, "rule");
        }

        @Override
        public EntryKind kind() {
            return EntryKind.FILE_READ;
        }
    }

    /** An entry about a governed request waiting for owners' approvals: it changes nothing on the CVM it is about. */
    sealed interface ApprovalEntry extends Payload {}

    /**
     * A governed request (k of n owners) waits for approvals: its id, what it asks (method, path and
     * the SHA-256 of its body), and until when it may be approved. Its sender is the entry's actor
     * and its first approval.
     */
    record ApprovalRequested(String requestId, String method, String path, String bodySha256, Instant expires) implements ApprovalEntry {
        public ApprovalRequested {
            Objects.requireNonNull(requestId, "requestId");
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(bodySha256, "bodySha256");
            Objects.requireNonNull(expires, "expires");
        }

        @Override
        public EntryKind kind() {
            return EntryKind.APPROVAL_REQUESTED;
        }
    }

    /** Another owner (the entry's actor) approved a waiting request. */
    record ApprovalAdded(String requestId) implements ApprovalEntry {
        public ApprovalAdded {
            Objects.requireNonNull(requestId, "requestId");
        }

        @Override
        public EntryKind kind() {
            return EntryKind.APPROVAL_ADDED;
        }
    }

    /** A waiting request expired before enough owners approved it; it was not carried out. */
    record ApprovalExpired(String requestId, List<String> approvedBy) implements ApprovalEntry {
        public ApprovalExpired {
            Objects.requireNonNull(requestId, "requestId");
            approvedBy = List.copyOf(approvedBy);
        }

        @Override
        public EntryKind kind() {
            return EntryKind.APPROVAL_EXPIRED;
        }
    }

    /**
     * The owner keys changed (log-wide, k of n approved): keys added and removed, the threshold from
     * now on, and the owners it changes ({@code ownersEntry}: entry 0 or the previous
     * {@code owners.changed}), so that the changes form a chain a verifier can see is unbroken.
     */
    record OwnersChanged(List<OwnerKey> added, List<String> removed, int threshold, List<String> approvedBy, long ownersEntry)
            implements Payload {
        public OwnersChanged {
            added = List.copyOf(added);
            removed = List.copyOf(removed);
            if (threshold < 1) {
                throw new IllegalArgumentException("the threshold is at least 1");
            }
            if (ownersEntry < 0) {
                throw new IllegalArgumentException("ownersEntry is a log position");
            }
            approvedBy = List.copyOf(approvedBy);
        }

        @Override
        public EntryKind kind() {
            return EntryKind.OWNERS_CHANGED;
        }
    }
}
