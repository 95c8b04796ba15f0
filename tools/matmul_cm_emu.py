#!/usr/bin/env python3
"""Index-math check of shaders/matmul_cm.comp without a GPU (lavapipe has no cooperative matrix).

Replays the shader's addressing in numpy, one workgroup at a time, phase by phase between barriers:
the loaders (chunk c = t + q * NT -> tile row c / KV, halves (c % KV) * 8, zero outside rows /
tokens / cols), the two shared stages (uvec4 rows of SKV = BK / 8 + 1), coopMatLoadNV as the
GL_NV_cooperative_matrix spec defines it (row-major: row i of the matrix starts at element
offset + i * stride; column-major: column j at offset + j * stride; offsets and strides in units of
the array element, here uvec4 = 8 halves), the products, the direct stores of 16 x 16 blocks inside
Y and the per-subgroup scratch of the others, in the k-loop order of main() for PF 1 and 2
(schedule(); check_schedule() also proves each order race-free between barriers). Compares against X W^T in float64 and checks that
nothing outside the part's columns of Y changed. Keep it in step with the shader.

usage: python3 tools/matmul_cm_emu.py    (needs numpy; a few seconds)
"""
import numpy as np


def schedule(PF, nk):
  """The k loop of matmul_cm.comp main() as a list of ops: ('load', kt, set), ('store', set, stage),
  ('prod', stage), ('bar',). Keep in step with the shader."""
  ops=[]
  if PF==1:
    for kt in range(nk+1):
      if kt>0: ops+= [('store',0,(kt-1)&1),('bar',)]
      if kt<nk: ops.append(('load',kt,0))
      if kt>0: ops.append(('prod',(kt-1)&1))
  else:
    ops.append(('load',0,0))
    if nk>1: ops.append(('load',1,1))
    ops.append(('store',0,0))
    if nk>2: ops.append(('load',2,0))
    ops.append(('bar',))
    for kt in range(0,nk,2):
      if kt+1<nk: ops.append(('store',1,1))
      if kt+3<nk: ops.append(('load',kt+3,1))
      ops+= [('prod',0),('bar',)]
      if kt+1>=nk: break
      if kt+2<nk: ops.append(('store',0,0))
      if kt+4<nk: ops.append(('load',kt+4,0))
      ops+= [('prod',1),('bar',)]
  return ops


def check_schedule(PF, nk):
  """Symbolic check of a schedule: each tile is stored once into stage kt & 1 from a set that holds
  it, the products read the tiles 0..nk-1 in order from complete stages, and no stage is written and
  read (or written twice) between two barriers (other subgroups run the same ops unsynchronised)."""
  regs={}; stage={}; done=[]; wr=set(); rd=set()
  for op in schedule(PF, nk):
    if op[0]=='load': regs[op[2]]=op[1]
    elif op[0]=='store':
      kt=regs[op[1]]; assert kt<nk and op[2]==kt%2, (PF,nk,op,kt)
      assert op[2] not in wr and op[2] not in rd, ('race', PF, nk, op)
      wr.add(op[2]); stage[op[2]]=kt
    elif op[0]=='prod':
      assert op[1] not in wr, ('race', PF, nk, op)
      rd.add(op[1]); done.append(stage[op[1]])
    else: wr=set(); rd=set()
  assert done==list(range(nk)), (PF, nk, done)
  return True


def run(TM,TN,SGM,SGN,BK,PF,rows,cols,ntok,acc_flag,direct,y_stride,y_col0,rng):
    NSG=SGM*SGN; NT=NSG*32; WM=TM//SGM; WN=TN//SGN; FM=WM//16; FN=WN//16; KV=BK//8; SKV=KV+1
    WSZ=TM*SKV; STAGE=(TM+TN)*SKV; WCH=TM*KV//NT; XCH=TN*KV//NT
    assert TM*KV%NT==0 and TN*KV%NT==0
    W=rng.standard_normal((rows,cols)).astype(np.float16)
    X=rng.standard_normal((ntok,cols)).astype(np.float16)
    Y=np.full(ntok*y_stride, np.nan, np.float32)
    y0=rng.standard_normal(ntok*y_stride).astype(np.float32)
    if acc_flag: Y[:]=y0
    Yinit=Y.copy()
    wflat=W.reshape(-1); xflat=X.reshape(-1)  # x_stride = cols
    nk=(cols+BK-1)//BK
    for gx in range((rows+TM-1)//TM):
      for gy in range((ntok+TN-1)//TN):
        r_base=gx*TM; n_base=gy*TN
        sh=np.zeros(2*STAGE*8,np.float16)  # halves
        def direct_block(r0,n0): return direct and r0+16<=rows and n0+16<=ntok
        acc={}
        for sg in range(NSG):
          wm0=(sg%SGM)*WM; wn0=(sg//SGM)*WN
          for i in range(FM):
            for j in range(FN):
              r0=r_base+wm0+i*16; n0=n_base+wn0+j*16
              if acc_flag and direct_block(r0,n0):
                o=n0*y_stride+y_col0+r0
                m=np.zeros((16,16),np.float64)
                for col in range(16): m[:,col]=Y[o+col*y_stride:o+col*y_stride+16]
                acc[sg,i,j]=m
              else: acc[sg,i,j]=np.zeros((16,16))
        regs={}
        def load(kt,st):
          k0=kt*BK
          for t in range(NT):
            for q in range(WCH):
              c=t+q*NT; r=r_base+c//KV; k=k0+(c%KV)*8
              regs['w',st,t,q]=wflat[(r*cols+k)//8*8:(r*cols+k)//8*8+8] if (r<rows and k<cols) else np.zeros(8,np.float16)
            for q in range(XCH):
              c=t+q*NT; n=n_base+c//KV; k=k0+(c%KV)*8
              regs['x',st,t,q]=xflat[(n*cols+k)//8*8:(n*cols+k)//8*8+8] if (n<ntok and k<cols) else np.zeros(8,np.float16)
        def store(st,stage):
          s0=stage*STAGE
          for t in range(NT):
            for q in range(WCH):
              c=t+q*NT; a=s0+(c//KV)*SKV+c%KV; sh[a*8:a*8+8]=regs['w',st,t,q]
            for q in range(XCH):
              c=t+q*NT; a=s0+WSZ+(c//KV)*SKV+c%KV; sh[a*8:a*8+8]=regs['x',st,t,q]
        def prod(stage):
          s0=stage*STAGE
          for sg in range(NSG):
            wm0=(sg%SGM)*WM; wn0=(sg//SGM)*WN
            for kk in range(0,KV,2):
              A=[];B=[]
              for i in range(FM):
                e=s0+(wm0+i*16)*SKV+kk; m=np.zeros((16,16))
                for row in range(16): m[row,:]=sh[(e+row*SKV)*8:(e+row*SKV)*8+16]
                A.append(m)
              for j in range(FN):
                e=s0+WSZ+(wn0+j*16)*SKV+kk; m=np.zeros((16,16))
                for col in range(16): m[:,col]=sh[(e+col*SKV)*8:(e+col*SKV)*8+16]
                B.append(m)
              for i in range(FM):
                for j in range(FN): acc[sg,i,j]=A[i]@B[j]+acc[sg,i,j]
        for op in schedule(PF,nk):
          if op[0]=='load': load(op[1],op[2])
          elif op[0]=='store': store(op[1],op[2])
          elif op[0]=='prod': prod(op[1])
        scratch=np.zeros(2*STAGE*4,np.float32)
        for sg in range(NSG):
          wm0=(sg%SGM)*WM; wn0=(sg//SGM)*WN
          for i in range(FM):
            for j in range(FN):
              r0=r_base+wm0+i*16; n0=n_base+wn0+j*16
              if r0>=rows or n0>=ntok: continue
              m=acc[sg,i,j]
              if direct_block(r0,n0):
                o=n0*y_stride+y_col0+r0
                for col in range(16): Y[o+col*y_stride:o+col*y_stride+16]=m[:,col]
                continue
              base=sg*64*4
              for col in range(16): scratch[base+col*16:base+col*16+16]=m[:,col]
              for e in range(256):
                r=r0+e%16; n=n0+e//16
                if r<rows and n<ntok:
                  o=n*y_stride+y_col0+r
                  y=scratch[sg*256+e]  # sh[sg*64+e/4][e%4]
                  assert sg*64+e//4 == (sg*256+e)//4
                  if acc_flag: y+=Y[o]
                  Y[o]=y
    ref=(X.astype(np.float64)@W.astype(np.float64).T)
    Yv=Y.reshape(ntok,y_stride)[:, y_col0:y_col0+rows]
    want=ref+(y0.reshape(ntok,y_stride)[:,y_col0:y_col0+rows] if acc_flag else 0)
    err=np.max(np.abs(Yv-want))
    # untouched outside
    mask=np.ones((ntok,y_stride),bool); mask[:,y_col0:y_col0+rows]=False
    outside_ok=np.array_equal(np.isnan(Y.reshape(ntok,y_stride)[mask]), np.isnan(Yinit.reshape(ntok,y_stride)[mask]))
    return err, outside_ok
# (TM, TN, SGM, SGN, BK, PF) of the variants in shaders/meson.build (X16 does not change the index
# math); shapes: rows, cols, tokens, accumulate, direct, y_stride, y_col0 (a part's rows at a column
# offset of a wider Y). usage: matmul_cm_emu.py [quick]  (quick: the new PF 2 tiles only)
import sys
for PF in (1,2):
  for nk in range(1,12): check_schedule(PF,nk)
# the check can fail: a store into the stage the products of the same interval read
_sched=schedule
schedule=lambda PF,nk: [op if op!=('store',1,1) else ('store',1,0) for op in _sched(PF,nk)]
try: check_schedule(2,4); raise SystemExit("check_schedule missed a broken schedule")
except AssertionError: pass
schedule=_sched
print("schedules PF 1/2, nk 1..11: ok")
rng=np.random.default_rng(1)
bad=0
cfgs=[(128,128,2,2,32,1),(128,128,4,2,32,1),(128,256,2,4,16,1),(256,128,4,2,16,1),(64,128,2,2,32,1),
      (128,256,2,4,16,2),(256,128,4,2,16,2),(128,128,4,2,32,2),(128,128,4,2,16,2),(128,128,4,4,32,2),
      (64,64,2,2,32,2),(64,64,2,2,64,2),(128,64,2,2,32,2),(64,128,2,2,32,2),(128,128,2,2,32,2),(128,128,2,4,32,2)]
if len(sys.argv)>1 and sys.argv[1]=='quick': cfgs=[c for c in cfgs if c[5]==2]
shapes=[(40,16,17,1,1,40,0),(70,48,50,0,1,72,0),(7,256,1,0,1,7,0),(130,72,33,1,1,136,4),(256,96,128,1,1,256,0),(300,40,200,1,0,301,0),(260,88,270,0,1,264,0)]
for cfg in cfgs:
  for (rows,cols,ntok,acc,direct,ys,yc) in shapes:
    e,ok=run(*cfg,rows,cols,ntok,acc,direct,ys,yc,rng)
    good = ok and e < 1e-4
    bad += not good
    print(cfg,(rows,cols,ntok,acc,direct),"maxerr %.2e"%e, "outside ok" if ok else "OUTSIDE CHANGED", "" if good else "FAIL", flush=True)
raise SystemExit(1 if bad else 0)
