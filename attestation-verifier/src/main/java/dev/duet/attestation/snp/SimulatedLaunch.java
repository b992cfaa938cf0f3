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
     * doesn't work!"); QEMU's timer is known to work.
     */
    public static final String DUET_GUEST_CMDLINE = "console=ttyS0 quiet panic=-1 no_timer_check rdinit=/init";
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
