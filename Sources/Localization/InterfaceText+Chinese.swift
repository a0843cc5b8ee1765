extension InterfaceText {
    /// Mandarin Chinese in simplified characters.
    public static let chinese = InterfaceText(
        language: .chinese,
        beforeYouBegin: "开始之前：",
        evidenceNone: "证据：尚无临床指南对这类练习作出评级；它用于让您舒适和放松。",
        evidence: { quality, strength, guideline, match, more in
            let q = ["高", "中等", "低"][[.high, .intermediate, .low].firstIndex(of: quality) ?? 2]
            let s = ["强", "中等", "弱"][[.strong, .moderate, .weak].firstIndex(of: strength) ?? 2]
            let m = ["完全", "部分", "间接"][[.full, .partial, .extrapolated].firstIndex(of: match) ?? 2]
            return "证据：证据质量\(q)，推荐强度\(s)（\(guideline)；\(m)符合）"
                + (more > 0 ? "（另有 \(more) 项，见 respite list --json）" : "")
                + "。它可以帮助您应对症状，但不能治疗癌症。"
        },
        crisisLineUnitedStates: "如果您处于危机之中或有伤害自己的念头，请随时拨打或发短信至 988，可要求中文口译。",
        crisisLineGeneral: "如果您处于危机之中或有伤害自己的念头，请立即拨打当地急救电话或联系您的医疗团队。",
        ratingsBefore: "开始之前：您现在感觉怎么样？",
        ratingsAfter: "您现在感觉怎么样？",
        ratingInstructions: "请输入 0 到 10 之间的数字，然后按回车键。直接按回车键跳过本题；输入 s 跳过其余问题。",
        ratingRetry: "请输入 0 到 10 之间的整数，或按回车键跳过本题。",
        thankYou: "谢谢。",
        ratingCompared: { item, before, now in "\(item)：之前 \(before)，现在 \(now)" },
        ratingItems: [
            "pain": RatingWords("疼痛", low: "不痛", high: "能想象的最痛", when: "现在"),
            "anxiety": RatingWords("焦虑（感到紧张）", short: "焦虑", low: "没有焦虑", high: "最严重的焦虑", when: "现在"),
            "fatigue": RatingWords("疲倦（没有精力）", short: "疲倦", low: "没有疲倦", high: "最严重的疲倦", when: "现在"),
            "drowsiness": RatingWords("困倦（想睡觉）", short: "困倦", low: "没有困倦", high: "最严重的困倦", when: "现在"),
            "nausea": RatingWords("恶心", low: "没有恶心", high: "最严重的恶心", when: "现在"),
            "appetite": RatingWords("食欲不振", low: "食欲正常", high: "最严重的食欲不振", when: "现在"),
            "breathlessness": RatingWords("气短", low: "没有气短", high: "最严重的气短", when: "现在"),
            "depression": RatingWords("抑郁（感到悲伤）", short: "抑郁", low: "没有抑郁", high: "最严重的抑郁", when: "现在"),
            "wellbeing": RatingWords("整体感觉", low: "最好", high: "最差", when: "现在"),
            "sleep": RatingWords("睡眠", low: "睡得最好", high: "睡得最差", when: "最近"),
        ],
        gettingReady: "正在准备练习；第一次会稍慢一些",
        stoppedBeforeStart: "练习开始前已停止。",
        nothingPlayed: "没有播放任何内容。",
        lastTimeStopped: { "上次您中途停止了；要从那里继续：\($0) --resume" },
        rememberedChoiceDropped: { choice, reason in "提示：您保存的选项“\(choice)”已不适用于本练习（\(reason)），已略去。" },
        usingChoices: { "使用您上次的选项：\($0)（可在开始界面或用 --set 更改）。" },
        noStoppedPlace: "本练习没有保存的停止位置，所以从头开始。",
        continuingFrom: { "从 \($0) 继续，比您停止的地方稍早一点。" },
        changedContinuesFromStep: { step, title, time in "您停止后练习有了改动，所以从第 \(step) 步（\(title)）开头继续，即 \(time)。" },
        changedStartsOver: "您停止后练习有了改动，原来的位置已不存在，所以从头开始。",
        volumeHeld: { volume, device, file in "提示：音量保持在 \(volume)，这是 \(file) 中为“\(device)”设定的上限。" },
        chooseHeading: "开始之前，请选择今天适合您的设置：",
        begin: "开始",
        setOnCommandLine: "（已用 --set 设定）",
        startHintOnBegin: "按空格键开始 · q 退出 · ↑/↓ 或 j/k 先更改设置",
        startHintOnChoice: "空格键或回车键更改此项 · b 开始 · q 退出 · ↑/↓ 或 j/k 移动",
        plainChooseHeading: "开始之前，您可以更改这些选项：",
        plainChooseInstructions: "输入编号并按回车键更改该选项；直接按回车键开始；输入 q 并按回车键退出。",
        noSuchChoice: { "没有选项“\($0)”；选项编号为 1 到 \($1)。" },
        choiceFixed: { "“\($0)”已在命令行中用 --set 设定，保持不变。" },
        choices: ChoiceWords(
            leaveOut: { "略过：\($0)" }, no: "否", yes: "是", releaseOnly: "只放松，不绷紧", breathing: "呼吸",
            asWritten: "按原设定", gentleBreathing: "轻柔（吸气约 3 秒，呼气约 4 秒）", pace: "节奏", quicker: "较快",
            slower: "较慢，停顿更长", music: "音乐", none: "无", musicLevel: "音乐音量", quieter: { "小 \($0) dB" },
            louder: { "大 \($0) dB" },
            lets: { "本练习可以选择：" + $0.joined(separator: "；") + "。在终端中不加 --yes 播放时，会在开始界面提供这些选项。" },
            areasToLeaveOut: { "要略过的部位（--set skip=\($0)，或其中一部分）" },
            releaseOnlySet: "只放松（--set releaseOnly=true）", gentleBreathingSet: "轻柔呼吸（--set gentleBreathing=true）",
            paceSet: { "节奏（--set pace=\($0) 到 \($1)）" }, musicSet: { "音乐（--set music=\($0)）" },
            musicLevelSet: { "音乐音量（--set musicGain=\($0)，单位 dB）" }, or: " 或 "),
        stepOf: { "第 \($0) 步，共 \($1) 步：\($2)" },
        says: "说：",
        tenseGently: { "轻轻绷紧… \($0) 秒" },
        releaseAndRelax: "放开，放松",
        about: "约",
        left: "剩余",
        breatheIn: "吸气",
        hold: "屏息",
        breatheOut: "呼气",
        rest: "休息",
        breathOf: { "第 \($0) 次呼吸，共 \($1) 次" },
        pmrTense: "绷紧",
        pmrRelease: "放开",
        pmrRelax: "放松",
        cue: "提示音",
        keys: { "n 下一步 · p 上一步 · +/- 音量（\($0)）· q 退出" },
        pausedHint: "已暂停 — 按空格键继续",
        playingHint: "空格键暂停",
        pausedAt: { "在 \($0) 暂停 — 按空格键继续" },
        resumedAt: { "从 \($0) 继续" },
        movedTo: { "跳到 \($0)" },
        volume: { "音量 \($0)" },
        suspended: { "在 \($0) 暂停。输入 fg 返回，然后按空格键继续。" },
        stoppingGently: "正在轻轻停止…",
        stoppingTerminated: "正在停止（收到终止信号）…",
        ended: "练习结束了。起身之前，请先休息片刻。",
        stoppedAt: { "停在 \($0)，全长 \($1)。" },
        continueWithFrom: { "要从那里继续，请用 --from \($0) 开始。" },
        continueLater: { "以后要从那里继续：\($0) --resume" },
        deviceLost: { device, reason, seconds in
            "声音设备“\(device)”断开了（\(reason)）。Respite 会保留您的位置，并在 \(seconds) 秒内继续尝试重新打开它。"
        },
        deviceBack: { "声音设备恢复了。从 \($0) 继续。" },
        deviceNotBack: { seconds, time in "声音设备在 \(seconds) 秒内没有恢复，播放停在 \(time)。请检查扬声器或耳机，然后用 --from \(time) 重新开始。" },
        mustStop: { "练习只能在这里停止：\($0)。" },
        sourceUnreadable: { "提示：\($0) 无法读到结尾（\($1)）；从那里开始是静音。" },
        deviceBusy: {
            "声音设备“\($0)”正被另一个程序占用。请关闭那个程序，或用 --device 名称 选择其他设备（`respite devices` 会列出），或用 `respite render` 保存练习。"
        },
        deviceMissing: { "没有名为“\($0)”的声音设备。`respite devices` 会列出本机的设备；请用 --device 名称 指定一个，或用 `respite render` 保存练习。" },
        deviceFormat: {
            "声音设备“\($0)”不接受 \($1) Hz 的立体声（Respite 输出 float、32 位或 16 位）。请试试 `--rate 44100`，或可转换格式的设备，如 --device plughw:0 或 --device default。"
        },
        deviceFailed: { "无法打开声音设备“\($0)”：\($1)。请用 --device 名称 试试其他设备（`respite devices`），或用 `respite render` 保存练习。" },
        noSoundCard: {
            "本机没有找到声卡，也没有运行声音服务器，所以 Respite 无法在这里出声播放。" + $0 + "要尝试其他设备，请用 --device 名称（`respite devices` 会列出）。"
        },
        savingTo: { "它会把练习保存到 \($0)：可在任何带扬声器的手机或电脑上播放该文件。要自己选择文件，请用 --output 或 `respite render`。" },
        defaultSavePlace: { "本文件夹中的 \($0).ogg（如果该名称已被占用，则为 \($0)-2.ogg 等）" },
        serverNotAnswering: { path, reason in
            "声音服务器（PulseAudio 或 PipeWire，位于 \(path)）没有响应（\(reason)），所以 Respite 无法出声播放。重启它通常有用：`systemctl --user restart pipewire pipewire-pulse` 或 `systemctl --user restart pulseaudio`（或注销后重新登录），然后重新开始练习。"
        },
        serverNotReached: { path, reason in
            "声音服务器正在运行（位于 \(path)），但 ALSA 的默认设备无法连接到它（\(reason)）。请安装 ALSA 的插件（Debian：`apt install libasound2-plugins`，PipeWire 则为 `pipewire-alsa`），或使用 --device pulse。"
        },
        socketRefused: "连接被拒绝：那里没有程序在监听",
        socketNotSocket: "它不是套接字",
        socketPermission: "权限不足",
        socketTooLong: "路径太长，无法用作套接字",
        history: HistoryWords(
            run: "编号", started: "开始时间", session: "练习", played: "播放", howItEnded: "结束方式", before: "之前",
            after: "之后", change: "变化", notAnswered: "未回答", of: "/", legend: "评分为 之前 → 之后，0–10；– 表示未回答。",
            resumeHint: "要继续一次未完成的练习：respite resume 编号", none: "还没有记录任何练习。",
            noRatings: "还没有评分记录：每次练习前后都会询问。", playingNow: "正在播放", finished: "已完成",
            stoppedByYou: "由您停止", deviceLost: "声音设备断开", signal: "被信号终止", failed: "有文件无法读取", crash: "中断：程序崩溃或断电",
            inStep: { "（第 \($0) 步）" }))
}
