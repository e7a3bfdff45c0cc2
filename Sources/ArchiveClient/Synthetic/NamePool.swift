import CreditCore

/// Common surnames (roughly by frequency: earlier ones are drawn more often), given-name characters,
/// and a few minority names written with the middle dot.
enum NamePool {
    static let surnames: [String] = Array(("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤").map(String.init)) + ["欧阳", "司马", "诸葛", "上官"]

    static let givenCharacters: [String] = Array("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰华建国红玉梅飞文辉鹏宇浩然俊峰志宏晨阳欣怡子涵梓轩雨萱佳琪思远博文嘉懿晓东海燕春生永福凤霞金龙丹婷雪松云鑫淑珍德胜立新秋菊振华世杰宏伟颖慧琳娇").map(String.init)

    /// Uyghur and other names as ID cards write them, with the middle dot.
    static let dottedNames: [String] = [
        "买买提·艾力", "阿依古丽·吐尔逊", "艾合买提·热合曼", "古丽娜尔·阿不都", "努尔兰·托合提",
        "热依拉·买买提", "阿不都热合曼·依明", "帕提古丽·艾买提",
    ]

    static func name(_ random: inout SeededRandom) -> String {
        if random.chance(0.01) { return random.pick(dottedNames) }
        // Skewed towards the head of the surname list, as real frequencies are.
        let r = Double(random.next() >> 11) / Double(1 << 53)
        let surname = surnames[min(surnames.count - 1, Int(r * r * Double(surnames.count)))]
        let given = random.chance(0.7) ? random.pick(givenCharacters) + random.pick(givenCharacters) : random.pick(givenCharacters)
        return surname + given
    }
}
