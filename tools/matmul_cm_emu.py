#!/usr/bin/env python3
"""Index-math check of shaders/matmul_cm.comp without a GPU (lavapipe has no cooperative matrix).

Replays the shader's addressing in numpy, one workgroup at a time, phase by phase between barriers:
the loaders (chunk c = t + q * NT -> tile row c / KV, halves (c % KV) * 8, zero outside rows /
tokens / cols), the two shared stages (uvec4 rows of SKV = BK / 8 + 1), coopMatLoadNV as the
GL_NV_cooperative_matrix spec defines it (row-major: row i of the matrix starts at element
offset + i * stride; column-major: column j at offset + j * stride; offsets and strides in units of
the array element, here uvec4 = 8 halves), the products, the direct stores of 16 x 16 blocks inside
Y and the per-subgroup scratch of the others. Compares against X W^T in float64 and checks that
nothing outside the part's columns of Y changed. Keep it in step with the shader.

usage: python3 tools/matmul_cm_emu.py    (needs numpy; a few seconds)
"""
import numpy as np


def run(TM,TN,SGM,SGN,BK,rows,cols,ntok,acc_flag,direct,y_stride,y_col0,rng):
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
        for kt in range(nk+1):
          if kt>0:
            s0=((kt-1)&1)*STAGE
            for t in range(NT):
              for q in range(WCH):
                c=t+q*NT; a=s0+(c//KV)*SKV+c%KV; sh[a*8:a*8+8]=regs['w',t,q]
              for q in range(XCH):
                c=t+q*NT; a=s0+WSZ+(c//KV)*SKV+c%KV; sh[a*8:a*8+8]=regs['x',t,q]
          if kt<nk:
            k0=kt*BK
            for t in range(NT):
              for q in range(WCH):
                c=t+q*NT; r=r_base+c//KV; k=k0+(c%KV)*8
                regs['w',t,q]=wflat[(r*cols+k)//8*8:(r*cols+k)//8*8+8] if (r<rows and k<cols) else np.zeros(8,np.float16)
              for q in range(XCH):
                c=t+q*NT; n=n_base+c//KV; k=k0+(c%KV)*8
                regs['x',t,q]=xflat[(n*cols+k)//8*8:(n*cols+k)//8*8+8] if (n<ntok and k<cols) else np.zeros(8,np.float16)
          if kt>0:
            s0=((kt-1)&1)*STAGE
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
# (TM, TN, SGM, SGN, BK) of the variants in shaders/meson.build; shapes: rows, cols, tokens, accumulate,
# direct, y_stride, y_col0 (a part's rows at a column offset of a wider Y).
rng=np.random.default_rng(1)
bad=0
cfgs=[(128,128,2,2,32),(128,128,4,2,32),(128,256,2,4,16),(256,128,4,2,16),(64,128,2,2,32)]
shapes=[(7,256,1,0,1,7,0),(130,72,33,1,1,136,4),(256,96,128,1,1,256,0),(300,40,200,1,0,301,0),(260,88,270,0,1,264,0)]
for cfg in cfgs:
  for (rows,cols,ntok,acc,direct,ys,yc) in shapes:
    e,ok=run(*cfg,rows,cols,ntok,acc,direct,ys,yc,rng)
    good = ok and e < 1e-4
    bad += not good
    print(cfg,(rows,cols,ntok,acc,direct),"maxerr %.2e"%e, "outside ok" if ok else "OUTSIDE CHANGED", "" if good else "FAIL", flush=True)
raise SystemExit(1 if bad else 0)
