import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.util.encoders.Hex;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

final class HandoverSignature {
    static boolean valid(byte[] secret, String ts, byte[] body, String header) {
        HMac mac = new HMac(new SM3Digest());
        mac.init(new KeyParameter(secret));
        byte[] prefix = (ts + ".").getBytes(StandardCharsets.UTF_8);
        mac.update(prefix, 0, prefix.length);
        mac.update(body, 0, body.length);
        byte[] out = new byte[mac.getMacSize()];
        mac.doFinal(out, 0);
        byte[] want = ("hmac-sm3=" + Hex.toHexString(out)).getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        // 密钥轮换的过渡期内签名头含两个以逗号分隔的签名（新密钥的在前），任一相符即可
        for (String sig : header.split(",", -1)) {
            if (MessageDigest.isEqual(want, sig.trim().getBytes(StandardCharsets.UTF_8))) {
                ok = true;
            }
        }
        return ok;
    }
}
