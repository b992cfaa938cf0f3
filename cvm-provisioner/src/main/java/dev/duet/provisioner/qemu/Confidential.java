package dev.duet.provisioner.qemu;

/** Which confidential-guest machine QEMU is asked for. */
public enum Confidential {
    /** A plain VM: the only kind these machines (no SEV-SNP, no TDX) can run. */
    NONE,
    /** AMD SEV-SNP: sev-snp-guest object, memfd memory, OVMF, KVM required. */
    SEV_SNP,
    /** Intel TDX: tdx-guest object, memfd memory, OVMF, KVM required. */
    TDX
}
