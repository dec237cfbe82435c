import hmac, time

def valid(secret: bytes, ts: str, body: bytes, header: str) -> bool:
    if abs(time.time() - int(ts)) > 300:
        return False
    want = ("hmac-sm3=" + hmac.new(secret, ts.encode() + b"." + body, "sm3").hexdigest()).encode()
    # 密钥轮换的过渡期内签名头含两个以逗号分隔的签名（新密钥的在前），任一相符即可
    return any([hmac.compare_digest(want, sig.strip().encode()) for sig in header.split(",")])
