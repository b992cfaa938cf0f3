package dev.duet.attestation.snp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The launch digest duet's simulated SNP source puts in MEASUREMENT: SHA-384 over a domain label,
 * the SHA-384 of the kernel, the SHA-384 of the initramfs and the SHA-384 of the command line. It
 * pins exactly what the guest booted, like a real launch digest, but it is not AMD's algorithm
 * (which measures OVMF and the kernel hashes table page by page); a real SNP guest has a different
 * MEASUREMENT for the same image.
 */
public final class SimulatedLaunch {
    /**
     * The kernel command line duet's guest image boots with. {@code no_timer_check}: under TCG on a
     * busy host the early IO-APIC timer check can miss its ticks and panic the guest ("IO-APIC + timer
     * doesn't work!"); QEMU's timer is known to work. The rest skips boot work the guest does not use,
     * which under TCG cost it about 1.4 s of CPU of 4.3 (measured with {@code initcall_debug}, issue
     * 15): {@code cryptomgr.notests}, the kernel crypto self-tests (the guest's SSH uses its own crypto
     * in user space; ignored in FIPS mode), and the SP 800-108 KDF's self-test, which runs apart from
     * them ({@code crypto_kdf108_init} does nothing else; about 60 ms); and the initcalls of BPF's TCP
     * congestion-control and dummy struct_ops kfuncs (BTF parsing, no BPF runs here), the jitter
     * entropy source (the kernel's random pool has other sources), and the built-in certificates for
     * module signatures (the modules ship in the measured initramfs, so the launch measurement covers
     * them; unsigned for the kernel, they load and taint it, since signatures are not enforced).
     * {@code noreplace-smp}: a kernel that boots with one CPU otherwise rewrites each of its ~10,000
     * {@code lock} prefixes through {@code text_poke}, and every poke switches page tables, which
     * empties TCG's whole software TLB (about 0.16 s of a TCG boot, sampled through QEMU's gdbstub);
     * the prefixes stay, which costs a lone CPU a few cycles per atomic operation and changes nothing
     * with more than one CPU, where the rewrite never runs. {@code trace_eval_init} only rewrites the
     * enum names in the trace events' format files for tracing tools, which the guest has none of.
     * {@code ipv6.disable=1}: the guest's only network is QEMU's user-mode IPv4, over which the
     * controller reaches its SSH; without IPv6 the kernel also sets up no {@code ::1}, no link-local
     * addresses and no duplicate-address detection when the interfaces come up. These last two save
     * about 0.2 s of a TCG boot (docs/performance.md).
     */
    public static final String DUET_GUEST_CMDLINE = "console=ttyS0 quiet panic=-1 no_timer_check rdinit=/init cryptomgr.notests "
            + "noreplace-smp ipv6.disable=1 initcall_blacklist=bpf_tcp_ca_kfunc_init,bpf_dummy_struct_ops_init,jent_mod_init,"
            + "load_system_certificate_list,crypto_kdf108_init,trace_eval_init";
    private static final byte[] LABEL = "duet simulated SNP launch digest v1\0".getBytes(StandardCharsets.US_ASCII);

    private SimulatedLaunch() {}

    public static byte[] digest(byte[] kernelSha384, byte[] initrdSha384, String cmdline) {
        try {
            MessageDigest sha384 = MessageDigest.getInstance("SHA-384");
            byte[] cmdlineSha384 = MessageDigest.getInstance("SHA-384").digest(cmdline.getBytes(StandardCharsets.UTF_8));
            sha384.update(LABEL);
            sha384.update(kernelSha384);
            sha384.update(initrdSha384);
            sha384.update(cmdlineSha384);
            return sha384.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
