package dev.duet.attestation.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.attestation.snp.SigningKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A policy value that no evidence can carry is an error in the policy, not a check that always
 * fails or always passes: VMPL is 0-3 (SEV-SNP ABI, Table 23), each REPORTED_TCB part is one byte,
 * an SGX ISV product id and SVN are 16 bits (SGX report body), and an empty allow-list accepts
 * nothing.
 */
class PolicyValueRangesTest {
    private static AppraisalPolicy parse(String json) throws PolicyException {
        return PolicyParser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void emptyAllowListsAreRefused() {
        assertThatThrownBy(() -> parse("{\"snp\": {\"signingKeys\": []}}")).isInstanceOf(PolicyException.class)
                .hasMessage("snp.signingKeys is an empty allow-list, which would accept nothing; omit it to accept VCEK and VLEK");
        assertThatThrownBy(() -> parse("{\"tdx\": {}, \"tcb\": {\"acceptedStatuses\": []}}")).isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("tcb.acceptedStatuses is an empty allow-list");
    }

    @Test
    void valuesOutsideWhatEvidenceCanCarryAreRefused() {
        assertThatThrownBy(() -> parse("{\"snp\": {\"vmpl\": 4}}")).isInstanceOf(PolicyException.class)
                .hasMessage("snp.vmpl must be an integer from 0 to 3, not 4");
        for (String part : List.of("bootloader", "tee", "snp", "microcode", "fmc")) {
            assertThatThrownBy(() -> parse("{\"snp\": {\"minimumTcb\": {\"" + part + "\": 256}}}")).as(part)
                    .isInstanceOf(PolicyException.class).hasMessage("snp.minimumTcb." + part + " must be an integer from 0 to 255, not 256");
        }
        assertThatThrownBy(() -> parse("{\"sgx\": {\"isvProdId\": 65536}}")).isInstanceOf(PolicyException.class)
                .hasMessage("sgx.isvProdId must be an integer from 0 to 65535, not 65536");
        assertThatThrownBy(() -> parse("{\"sgx\": {\"minimumIsvSvn\": 70000}}")).isInstanceOf(PolicyException.class)
                .hasMessage("sgx.minimumIsvSvn must be an integer from 0 to 65535, not 70000");
        assertThatThrownBy(() -> parse("{\"snp\": {\"minimumGuestSvn\": -1}}")).isInstanceOf(PolicyException.class)
                .hasMessage("snp.minimumGuestSvn must be an integer from 0 to 4294967295, not -1");
        assertThatThrownBy(() -> parse("{\"snp\": {\"vmpl\": 1.5}}")).isInstanceOf(PolicyException.class)
                .hasMessage("snp.vmpl must be an integer from 0 to 3, not 1.5");
    }

    @Test
    void theLimitsThemselvesAreAccepted() throws Exception {
        AppraisalPolicy snp = parse("{\"snp\": {\"vmpl\": 3, \"minimumGuestSvn\": 4294967295, \"signingKeys\": [\"VLEK\"], "
                + "\"minimumTcb\": {\"bootloader\": 255, \"tee\": 0, \"snp\": 255, \"microcode\": 255, \"fmc\": 255}}}");
        assertThat(snp.snp().vmpl().getAsInt()).isEqualTo(3);
        assertThat(snp.snp().minimumGuestSvn().getAsLong()).isEqualTo(4294967295L);
        assertThat(snp.snp().minimumTcb().bootloader().getAsInt()).isEqualTo(255);
        assertThat(snp.snp().signingKeys()).containsExactly(SigningKey.VLEK);
        AppraisalPolicy sgx = parse("{\"sgx\": {\"isvProdId\": 65535, \"minimumIsvSvn\": 65535}}");
        assertThat(sgx.sgx().isvProdId().getAsInt()).isEqualTo(65535);
    }
}
