package dev.duet.protocol.entry;

import dev.duet.attestation.Octets;
import dev.duet.protocol.CvmMode;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a log entry says, one record per {@link EntryKind}. The controller writes these and
 * verifiers read them; {@link PayloadCodec} alone knows their JSON form, which is what users verify.
 */
public sealed interface Payload {
    EntryKind kind();

    /** Entry 0: the owners whose signed requests the controller obeys, and the controller's own key. */
    record OwnerRegistered(List<OwnerKey> ownerKeys, String controllerKeyId) implements Payload {
        public OwnerRegistered {
            ownerKeys = List.copyOf(ownerKeys);
            Objects.requireNonNull(controllerKeyId, "controllerKeyId");
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
    record Attestation(String evidenceSource, boolean simulated, String trust, Octets nonce, Octets evidence, Octets endorsement,
            String presentedHostKey, String hostKeyPin, boolean accepted, List<String> checks) implements Payload {
        public Attestation {
            Objects.requireNonNull(evidenceSource, "evidenceSource");
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
     */
    record ModeChanged(CvmMode from, CvmMode to, Optional<ReAttestation> reAttestation) implements Payload {
        public ModeChanged {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(reAttestation, "reAttestation");
            if (reAttestation.isPresent() && to != CvmMode.IN_SERVICE) {
                throw new IllegalArgumentException("only a switch to in-service re-attests the CVM");
            }
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

    /** Logged, and durable, before anything is sent to the CVM. */
    record CommandStarted(String commandId, List<String> argv, Duration timeout) implements Payload {
        public CommandStarted {
            Objects.requireNonNull(commandId, "commandId");
            argv = List.copyOf(argv);
            Objects.requireNonNull(timeout, "timeout");
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

    /** An authenticated owner's request, refused; {@code argv} is there when a command was refused for the CVM's mode. */
    record RequestRefused(String method, String path, String refusal, String reason, Optional<List<String>> argv) implements Payload {
        public RequestRefused {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(refusal, "refusal");
            Objects.requireNonNull(reason, "reason");
            argv = argv.map(List::copyOf);
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
}
